"""A question, analysed once: what is asked, what kind of answer it wants, the names it turns on,
the conversation it follows, and its vector. Every answering strategy reads this one object.

The bot only quotes its reading list, so "ignore your sources", "pretend you are ..." and
"invent ..." are not obeyed: the instruction is set aside (with a notice) and what remains is
answered, or declined when it asks for a verdict or an invention the sources cannot give. A
request to invent that comes with a question of its own ("make up a quote, and also tell me
where CERN is") has that question answered, with a notice that the invention was set aside.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from bot.answer.names import NameGroups, name_groups
from bot.answer.types import Wants, wants
from bot.prompts import phrase
from bot.retrieve.hybrid import Filters
from bot.retrieve.text import tokenize

Intent = Literal["fact", "verdict", "invention", "locate"]
Turn = tuple[str, str]  # (user question, bot answer)

_TAG = re.compile(r"<[^>]{0,200}>")
_CONTROL = {"Cc", "Cf", "Cs", "Co"}
_INSTRUCTION = re.compile(
    r"^\s*(?:"
    r"(?:ignore|disregard|forget)\b[^.?!]*?(?:\band\b|\bthen\b|[,.;:])"
    r"|(?:pretend|act as|you are now|imagine you are|roleplay)\b[^.?!]*?(?:\band\b|[,.;:])"
    r"|(?:developer mode(?: on)?|jailbreak(?: mode)?|system|assistant|admin)\s*[:.!]"
    r"|no (?:citations|sources|quotes)\b[^:.,]*[:,.]"
    r"|(?:just )?tell me\s*:"
    r")\s*",
    re.IGNORECASE,
)
_INVENT = re.compile(
    r"\b(invent|made[- ]up|fabricate|guess|speculate)\b"
    # "make up a figure", "make something up", but not "the states that make up CERN"
    r"|\bmake\s+up\s+(a|an|some|something|anything|one|numbers?|figures?|quotes?|stat\w*|facts?)\b"
    r"|\bmake\s+(something|anything|stuff)\s+up\b"
    # Asked to put words in someone's mouth: "write a quote from ...", "... as if quoted from"
    r"|\b(write|compose|draft|craft|create|produce|generate)\b[^.?!]{0,60}?"
    r"\b(quotes?|quotations?|statements?|soundbites?)\b"
    r"|\bas if (it|they|this)?\s*(were|was|came|had come)?\s*(quoted|lifted|taken|from)\b",
    re.I,
)
# Where one request ends and the next begins: "invent a quote, and also tell me where ...".
_CLAUSE_BREAK = re.compile(r"(?<=[.;!?])\s+|\s*[,—–-]?\s+\b(?:and(?:\s+also)?|also|then|plus)\b\s+")
# A clause that asks the reading list something: a question word, or a request to tell.
_ASKS = re.compile(
    r"^\s*(?:(?:and|also|then|but|so|please)\b[,\s]*)*"
    r"(?:(?:who|whom|whose|what|which|when|where|why|how)\b"
    r"|(?:tell|show|give|state|name|list|explain|describe|remind)\b"
    r"|(?:is|are|was|were|does|do|did|has|have|can|could|will|would|should)\b[^?]*\?)",
    re.I,
)
_VERDICT = re.compile(
    r"\b(is|are|was|would be)\s+(a\s+)?(bad|good|terrible|great|stupid|smart|wise|foolish)\s+"
    r"(idea|plan|proposal)\b|\bdo you (think|believe|agree)\b|\byour (own )?(opinion|view|take)\b"
    r"|\bwho is right\b",
    re.IGNORECASE,
)
# "Where does the post say that X?", "Quote me the sentence where the post says X": the bot
# quotes X's sentence only if a passage states X, and otherwise says the reading list does not.
_SAYS = r"(?:say|says|said|state|states|claim|claims|argue|argues|write|writes|suggest|suggests)"
_WHO = r"(?:the\s+)?(?:post|reading list|blog(?: post)?|author|article|text|sources?|it|they)"
_LOCATE = re.compile(
    rf"^(?:(?:please\s+)?(?:quote|show|find|point|give)\b[^?]*?\bwhere\s+{_WHO}\s+{_SAYS}"
    rf"|(?:where|in which (?:passage|sentence|section|paragraph))\s+(?:does|do|did)\s+{_WHO}"
    rf"\s+(?:say|state|claim|argue|write|suggest)"
    rf"|(?:does|do|did)\s+{_WHO}\s+(?:really\s+|actually\s+)?(?:say|state|claim))"
    r"\s+(?:that\s+)?(?P<claim>.+?)\s*[?.!]*$",
    re.IGNORECASE,
)
# A sentence ends after a word of two letters or more, so "U.S. AI" and "et al. come" stay whole.
_SENTENCE_END = re.compile(r"(?:(?<=\w\w[.!?])|(?<=[)”'][.!?]))\s+(?=[A-Z])")
# A follow-up leans on the turn before: "and who pays for it?", "what about the safety camp?"
_FOLLOW_OPENING = re.compile(r"^\s*(and|but|so|also|then|(what|how)\s+about)\b", re.I)
_FOLLOW_WORDS = {
    "it", "its", "they", "them", "their", "that", "this", "those", "these", "he", "she",
    "his", "her", "there", "same", "else", "other", "others",
}  # fmt: skip
_FOLLOW_MAX_WORDS = 9
# Words about a document itself rather than its subject (general English). One vocabulary for
# both sides: a question that uses it asks about the document, and a sentence that uses it
# describes the document ("The first column reflects ..."), which answers only such a question.
# "post-war" is not a post, nor "figure out" a figure, so neither word is in it.
ABOUT_THE_DOCUMENT = re.compile(
    r"\b(blog|posts?(?![-\w])|articles?|piece|essay|sections?|columns?|rows?|cells?|tables?|"
    r"charts?|graphics?|overview|authors?|entries|backgrounds?)\b",
    re.I,
)
_ABOUT_EVENT = re.compile(
    r"\b(debate|event|panel|register|registration|venue|tonight|session|attend)\b",
    re.I,
)


@dataclass
class CleanQuestion:
    text: str
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.text


def clean_question(raw: str | None, limit: int) -> CleanQuestion:
    """Strip markup and control characters; truncate past `limit` with a notice.

    Tags are removed from what is searched (they carry no meaning for retrieval); the UI
    escapes whatever it echoes, so nothing here is ever rendered as HTML.
    """
    text = html.unescape(raw or "")
    text = _TAG.sub(" ", text)
    text = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch) not in _CONTROL else " " for ch in text
    )
    text = " ".join(text.split())
    notices: list[str] = []
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] or text[:limit]
        notices.append(phrase("question_truncated", limit=limit))
    return CleanQuestion(text, notices)


def last_sentence(question: str) -> str:
    """What is asked, without the lead-in ("Greetings from Nairobi. Is any effort aimed at
    lower-income countries?" asks its last sentence)."""
    return _SENTENCE_END.split(question.strip())[-1]


def strip_instructions(question: str) -> tuple[str, bool]:
    """The question without leading instructions to the bot, and whether it had any."""
    core, stripped = question, False
    for _ in range(3):  # "Developer mode on. Ignore X and ..." carries more than one
        m = _INSTRUCTION.match(core)
        if not m or m.end() == 0:
            break
        core, stripped = core[m.end() :], True
    return core.strip() or question, stripped


def follows_up(question: str, history: list[Turn]) -> bool:
    """Whether the question leans on the conversation before it."""
    if not history:
        return False
    words = [w.strip("?,.!;:").lower() for w in question.split()]
    return (
        len(words) <= _FOLLOW_MAX_WORDS
        or bool(_FOLLOW_OPENING.match(question))
        or any(w in _FOLLOW_WORDS for w in words)
    )


@dataclass(frozen=True)
class Query:
    """Everything the strategies need to know about one question."""

    raw: str  # as the user asked it (cleaned of markup)
    text: str  # instructions to the bot removed
    asked: str  # the last sentence of `text`: what is asked
    intent: Intent
    had_instruction: bool
    wants: Wants
    names: NameGroups  # in the asked sentence: a lead-in says who asks, not what is asked
    tokens: tuple[str, ...]  # content words of `text`
    earlier: tuple[str, ...] = ()  # the earlier questions a follow-up leans on
    context_names: NameGroups = ()
    claim: str = ""  # for "locate": the statement the asker wants found
    about_post: bool = False  # asks about the post itself (its sections, its author)
    about_event: bool = False  # asks about the event (date, venue, registration)
    declined_invention: bool = False  # a request to invent was set aside; the rest is answered
    filters: Filters | None = None
    vector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def context(self) -> str:
        """The earlier questions a follow-up leans on, as one text ('' for none)."""
        return " ".join(self.earlier)

    @property
    def search_text(self) -> str:
        """What lexical retrieval looks for: the question, and the turns it follows."""
        return f"{self.text} {self.context}" if self.context else self.text


def set_aside_invention(question: str) -> tuple[str, str]:
    """A request to invent that comes with a question of its own ("make up a quote, and also
    tell me where CERN's main lab is"): (the clauses that ask, the rest). The first is answered,
    the rest only lends it context (who "he" is), as an earlier turn would; ("", question) when
    nothing but the invention is asked."""
    clauses = [c.strip(" ,;") for c in _CLAUSE_BREAK.split(question) if c and c.strip(" ,;")]
    asks = [c for c in clauses if not _INVENT.search(c) and _ASKS.search(c)]
    if not asks:
        return "", question
    return " ".join(asks), " ".join(c for c in clauses if c not in asks)


def read_intent(question: str) -> tuple[Intent, str, bool, str, str | None]:
    """(intent, text to answer, whether instructions were removed, claim for 'locate', and what
    was set aside: the request to invent beside a question, None when nothing was)."""
    core, stripped = strip_instructions(question)
    located = _LOCATE.match(core)
    if located:
        return "locate", core, stripped, located.group("claim"), None
    asks, aside = set_aside_invention(core) if _INVENT.search(core) else (core, None)
    if not asks:
        return "invention", core, stripped, "", None
    if _VERDICT.search(core):
        return "verdict", core, stripped, "", None
    return "fact", asks, stripped, "", aside


def analyse(
    question: str,
    history: list[Turn] | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    filters: Filters | None = None,
) -> Query:
    """Analyse a cleaned question once. `encode` embeds it (and the turns a follow-up leans on)
    in one model call; without it the query has no vector (for pure analysis and tests)."""
    history = history or []
    intent, text, stripped, claim, aside = read_intent(question)
    asked = last_sentence(text)
    earlier = tuple(q for q, _ in history[-2:]) if follows_up(text, history) else ()
    earlier += (aside,) if aside else ()
    context = " ".join(earlier)
    vector = np.zeros(0, dtype=np.float32)
    if encode is not None:
        target = claim if intent == "locate" else text
        vectors = encode([target, context] if context else [target])
        vector = vectors[0]
        if context:  # lean towards the earlier turns
            vector = vector + 0.5 * vectors[1]
            vector = (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)
    return Query(
        raw=question,
        text=text,
        asked=asked,
        intent=intent,
        had_instruction=stripped,
        declined_invention=aside is not None,
        wants=wants(asked),
        names=name_groups(asked),
        tokens=tuple(tokenize(text) or tokenize(context)),
        earlier=earlier,
        context_names=name_groups(context) if context else (),
        claim=claim,
        about_post=bool(ABOUT_THE_DOCUMENT.search(asked)),
        about_event=bool(_ABOUT_EVENT.search(asked)),
        filters=filters,
        vector=vector,
    )
