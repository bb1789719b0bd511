"""Taking sides: which passages of the reading list argue for a view, which against, and why.

One piece of logic for every place that needs the other side of something an attendee said:
"Furthest from your view" in the Prepare tab, the moderator's counter-argument and the
fact-check box. Without a language model a passage is read against a view by cues in its
wording, always on the clause that shares the view's words (so an unrelated sentence never
takes a side):

- number: the clause gives another figure or year than the view;
- negation: one of the two is negated ("not a member state", "non-military") and the other not;
- opposite: the clause has the opposite of a word of the view (centralized / decentralized);
- contrast: the view matches one side of "A, but B" (or of a sentence and the "However, ..."
  after it), and the passage is the other side, unless that side judges as the view does
  ("benefits many but is underfunded" turns on one point and keeps the view's).

The first three make a factual contradiction (the fact-check uses only them); contrast makes
an argument against (counter-arguments and "Where do I stand?" use all four). A passage
that shares the view's words with no cue against it is "for"; anything else takes no side
and is not listed. The moderator reads the quoted passage: this is a screen, not a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Protocol

from bot.models import Quote
from bot.retrieve.hybrid import Filters
from bot.retrieve.text import Rarity, fold, overlap, tokenize

if TYPE_CHECKING:
    from bot.service import Bot

SideName = Literal["for", "against"]
FACTUAL_CUES = ("number", "negation", "opposite")

# A clause speaks to the view when it shares this share of the view's content words (or at
# least TOPIC_WORDS of them, for views long enough that a half is too much to ask).
TOPIC_SHARE = 0.5
TOPIC_WORDS = 2
# "for" asks more: the clause restates most of the view (by weight).
FOR_SHARE = 0.75

_NEGATION = re.compile(
    r"\b(not|no|never|none|neither|nor|without|cannot|lacks?|lacking|unlike)\b|n't\b|\bnon-\w",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:[.,’']\d+)*")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_CLAUSE = re.compile(r"[;:]|,\s*|\s+(?:but|however|while|whereas|although|though|yet)\s+", re.I)
# The turn of an argument inside a sentence ("A, but B") and at a sentence's start.
_TURN = re.compile(r"[,;]?\s+(?:but|however|yet|whereas)\s+", re.I)
_TURN_START = re.compile(
    r"^\s*(?:but|however|yet|instead|by contrast|in contrast|still|nevertheless|nonetheless|"
    r"on the other hand|at the same time)\b",
    re.I,
)
# Pairs of opposite words (stemmed when compared); a word and its "de-"/"non-"/"un-" form
# ("centralized" / "decentralized") are opposites without being listed.
OPPOSITES = [
    ("central", "distributed"),
    ("single", "multiple"),
    ("one", "multiple"),
    ("hub", "network"),
    ("open", "closed"),
    ("open", "restricted"),
    ("open", "restrictions"),
    ("open", "tiered"),
    ("public", "private"),
    ("public", "commercial"),
    ("civilian", "military"),
    ("increase", "decrease"),
    ("national", "international"),
    ("allowed", "banned"),
]
_PREFIXES = ("de", "non", "un", "dis")
# Words that judge what they speak of; the tone of a clause is their balance. Tone alone never
# sets a passage against a view (an argument for X often speaks ill of not-X); it only tells
# which turns of an argument keep the view's side.
_GOOD = re.compile(
    r"\b(benefit\w*|promot\w*|enabl\w*|improv\w*|advantage\w*|easier|better|success\w*|"
    r"strong\w*|good|leading|lucrative|trust|cooperation|support\w*|inclusive|safe|secure)\b",
    re.I,
)
_BAD = re.compile(
    r"\b(risks?|risky|danger\w*|harm\w*|misuse|concerns?|harder|difficult|lack\w*|lags?|"
    r"neglect\w*|underinvest\w*|underfund\w*|outpaced|threat\w*|races?|disadvantage\w*|"
    r"challeng\w*|unpredictable|insufficient\w*|overlook\w*)\b",
    re.I,
)

_REDUCED = re.compile(
    r"\b(?:reduc\w*|prevent\w*|avoid\w*|mitigat\w*|lower\w*|address\w*)\W+(?:\w+\W+){0,3}?"
    r"(?:risks?|danger\w*|harm\w*|misuse|threat\w*|races?|concerns?)\b",
    re.I,
)


class Scored(Protocol):
    """A scored sentence as `Bot.evidence` returns it: the quote, how well the fitted model
    says it answers, and its cosine with the view."""

    @property
    def quote(self) -> Quote: ...

    @property
    def score(self) -> float: ...

    @property
    def cos(self) -> float: ...


@dataclass(frozen=True)
class Reading:
    """How one sentence stands to a view: its side, the cue, and the clause it rests on."""

    side: SideName
    cue: str  # one of FACTUAL_CUES, "contrast", or "" (for: no cue)
    clause: str


@dataclass(frozen=True)
class Side:
    """A passage of the reading list that takes a side on a view."""

    quote: Quote
    score: float  # relevance to the view, as the answers score sentences
    reading: Reading

    @property
    def side(self) -> SideName:
        return self.reading.side

    @property
    def cue(self) -> str:
        return self.reading.cue


# --- reading one sentence ---------------------------------------------------------------
def clauses(sentence: str) -> list[str]:
    """A sentence cut at commas, semicolons and contrast words; short bits join the next one."""
    parts = [p.strip() for p in _CLAUSE.split(sentence) if p and p.strip()]
    out: list[str] = []
    carry = ""
    for part in parts:
        piece = f"{carry} {part}".strip()
        if len(tokenize(piece)) < 3:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry:  # a short tail ("non-military research") is still a predicate of its own
        out.append(carry)
    return out or [sentence]


def negated(text: str) -> bool:
    return len(_NEGATION.findall(text)) % 2 == 1


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,’']", "", n) for n in _NUMBER.findall(text)}


def figures(text: str) -> dict[str, set[str]]:
    """The figures of a text by what they count: the word after the number ("25 member
    states" -> member), or "year" for a year; a bare number counts nothing in particular."""
    out: dict[str, set[str]] = {}
    for m in _NUMBER.finditer(text):
        value = re.sub(r"[.,’']", "", m.group(0))
        if _YEAR.match(value):
            unit = "year"
        else:
            after = tokenize(text[m.end() : m.end() + 40])
            unit = after[0] if after and not after[0].isdigit() else ""
        out.setdefault(unit, set()).add(value)
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", fold(text)))


@dataclass(frozen=True)
class _View:
    """A view's content words (numbers aside), weighed by rarity when the corpus is known, so
    a word every passage has ("CERN") counts for less than the one the view turns on."""

    words: frozenset[str]
    rarity: Rarity | None
    strict: bool  # a claim (fact-check): its words must be there, however long it is

    def share(self, text: str) -> tuple[float, int]:
        """Share (weighted) and count of the view's words that a text has, or has the opposite
        of (a text that says "open" where the view says "closed" speaks to the same thing)."""
        tokens = set(tokenize(text))
        found = {w for w in self.words if w in tokens or counterparts(w) & tokens}
        return overlap(list(self.words), list(found), self.rarity), len(found)

    def about(self, text: str, share: float = TOPIC_SHARE) -> bool:
        part, count = self.share(text)
        long_view = len(self.words) > 2 * TOPIC_WORDS and not self.strict
        return part >= share or (long_view and count >= TOPIC_WORDS)


def tone(text: str) -> int:
    """+1 when a text speaks well of its subject, -1 ill, 0 when neither or both. A harm that
    is reduced counts as a good ("reduce risks"), and a negation turns it round."""
    reduced = len(_REDUCED.findall(text))
    balance = len(_GOOD.findall(text)) + reduced - (len(_BAD.findall(text)) - reduced)
    sign = (balance > 0) - (balance < 0)
    return -sign if negated(text) else sign


@lru_cache(maxsize=1)
def _opposite_stems() -> list[tuple[str, str]]:
    return [(tokenize(a)[0], tokenize(b)[0]) for a, b in OPPOSITES]


def counterparts(word: str) -> set[str]:
    """The stems opposite to a stem: listed pairs, and its "de-"/"non-"/"un-" forms both ways."""
    out = {b for a, b in _opposite_stems() if a == word} | {
        a for a, b in _opposite_stems() if b == word
    }
    out |= {p + word for p in _PREFIXES}
    out |= {word[len(p) :] for p in _PREFIXES if word.startswith(p) and len(word) > len(p) + 3}
    return out


def _opposite(view: str, clause: str) -> str | None:
    """A word of one that the other turns into its opposite, as "a/b"; None if there is none."""
    vw, cw = set(tokenize(view)) | _words(view), set(tokenize(clause)) | _words(clause)
    pairs = _opposite_stems() + [(w, p + w) for w in vw | cw for p in _PREFIXES]
    for a, b in pairs:
        if a in cw and b in cw:
            continue  # a clause that names both sides weighs them; it does not oppose
        if (a in vw and b in cw and b not in vw) or (b in vw and a in cw and a not in vw):
            return f"{a}/{b}"
    return None


def _factual(view: str, clause: str) -> str | None:
    """The cue by which a clause on the view's topic contradicts it, if any. A negation and an
    opposite word cancel out ("not centralized" says what "decentralized" says)."""
    vfig, cfig = figures(view), figures(clause)
    if any(vfig[u] and not vfig[u] & cfig[u] for u in vfig.keys() & cfig.keys() if u):
        return "number"
    flips = [c for c, on in (("negation", negated(view) != negated(clause)),
                             ("opposite", _opposite(view, clause) is not None)) if on]  # fmt: skip
    return flips[0] if len(flips) == 1 else None


def _gives_figures(view: str, clause: str) -> bool:
    """A clause can restate a view with figures only if it gives the same figures."""
    return all(values <= figures(clause).get(unit, set()) for unit, values in figures(view).items())


def _nearest(view: str, clause: str) -> str:
    """The clause of a view that a passage's clause speaks to: in "X, so no Y" the negation
    belongs to Y alone."""
    parts = clauses(view)
    if len(parts) == 1:
        return view
    tokens = set(tokenize(clause))
    return max(parts, key=lambda p: len(set(tokenize(p)) & tokens))


def _halves(sentence: str) -> tuple[str, str] | None:
    """'A, but B' as (A, B); None when the sentence has no such turn."""
    parts = _TURN.split(sentence, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 and parts[0].strip() else None


def read(
    view: str,
    sentence: str,
    before: str = "",
    after: str = "",
    factual: bool = False,
    rarity: Rarity | None = None,
) -> Reading | None:
    """How `sentence` stands to `view`; None when it takes no side (or is not about it).

    `before` and `after` are the sentences around it in its source, for a turn that spans two
    sentences ("Many companies do X. However, ..."). `factual` keeps only the cues that make a
    factual contradiction (number, negation, opposite), as a fact-check needs. `rarity`
    weighs the view's words by how rare they are in the reading list.
    """
    vt = _View(frozenset(tokenize(view)) - set(_numbers(view)), rarity, factual)
    if not factual:
        turned = _turned(view, vt, sentence, before, after)
        if turned is not None:
            return turned
    # The clauses that speak to the view, closest first; a long view's words may spread
    # over a whole sentence.
    parts = sorted(clauses(sentence), key=lambda c: -vt.share(c)[0])
    about = [c for c in parts if vt.about(c)] or ([sentence] if vt.about(sentence) else [])
    for clause in about:
        cue = _factual(_nearest(view, clause), clause)
        if cue is not None:
            return Reading("against", cue, clause)
    if not about:
        return None
    clause = about[0]
    if vt.share(clause)[0] >= FOR_SHARE and _gives_figures(view, clause):
        return Reading("for", "", clause)
    return None


def _turned(view: str, vt: _View, sentence: str, before: str, after: str) -> Reading | None:
    """The other side of a turn: the view matches one side and does not contradict it."""
    halves = _halves(sentence)
    pairs = [(halves[0], halves[1]), (halves[1], halves[0])] if halves else []
    if before and _TURN_START.match(sentence):
        pairs.append((before, sentence))
    if after and _TURN_START.match(after):
        pairs.append((after, sentence))
    for mine, other in pairs:
        if not vt.about(mine) or vt.share(other)[0] >= vt.share(mine)[0]:
            continue
        # "benefits many but is underfunded" turns on one point and keeps the other: a turn
        # that judges as the view does is on the view's side.
        if not _factual(view, mine) and tone(view) * tone(other) <= 0:
            return Reading("against", "contrast", other.strip(" ,;"))
    return None


# --- the reading list on a view ---------------------------------------------------------
def _around(bot: Bot, quote: Quote) -> tuple[str, str]:
    prev, nxt = bot.corpus.previous_sentence(quote), bot.corpus.next_sentence(quote)
    return (prev.text if prev else "", nxt.text if nxt else "")


def take_sides(
    bot: Bot,
    view: str,
    scored: Iterable[Scored],
    factual: bool = False,
    floor: float | None = None,
) -> list[Side]:
    """Each relevant sentence that takes a side on the view, best first; duplicates once.

    Relevance is the embedding model's cosine, not the fitted model's probability: that model
    is fitted to find the one sentence that answers a question, so a sentence that only bears on
    a statement scores far below it, by an amount that moves with every refit."""
    floor = bot.settings.debate.factcheck_min_cos if floor is None else floor
    out: list[Side] = []
    seen: set[str] = set()
    for s in scored:
        text = s.quote.text.strip()
        if s.cos < floor or text in seen:
            continue
        seen.add(text)
        before, after = _around(bot, s.quote)
        reading = read(view, text, before, after, factual, bot.idf)
        if reading is not None:
            out.append(Side(s.quote, s.score, reading))
    return out


def weigh(
    bot: Bot,
    view: str,
    k: int = 8,
    filters: Filters | None = None,
    context: str = "",
    factual: bool = False,
) -> list[Side]:
    """The passages `Bot.evidence` finds for a view that take a side on it, best first."""
    return take_sides(bot, view, bot.evidence(view, k=k, filters=filters, context=context), factual)


def against(
    bot: Bot,
    view: str,
    k: int = 8,
    filters: Filters | None = None,
    context: str = "",
    limit: int = 3,
) -> list[Side]:
    """The passages that argue against a view, best first, each with its cue."""
    return [s for s in weigh(bot, view, k, filters, context) if s.side == "against"][:limit]
