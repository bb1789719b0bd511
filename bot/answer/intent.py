"""What a question asks of the bot beyond facts: instructions to drop, verdicts, inventions.

The bot only quotes its reading list, so "ignore your sources", "pretend you are ..." and
"invent ..." are not obeyed: the instruction is set aside (with a notice) and what remains is
answered, or declined when it asks for a verdict or an invention the sources cannot give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

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
_INVENT = re.compile(r"\b(invent|make up|made[- ]up|fabricate|guess|speculate)\b", re.I)
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

Kind = Literal["fact", "verdict", "invention", "locate"]


@dataclass(frozen=True)
class Intent:
    kind: Kind
    core: str  # the question with any instruction to the bot removed
    had_instruction: bool
    claim: str = ""  # for "locate": the statement the asker wants found


def read_intent(question: str) -> Intent:
    """Strip leading instructions to the bot; classify what is left."""
    core, stripped = question, False
    for _ in range(3):  # "Developer mode on. Ignore X and ..." carries more than one
        m = _INSTRUCTION.match(core)
        if not m or m.end() == 0:
            break
        core, stripped = core[m.end() :], True
    core = core.strip() or question
    located = _LOCATE.match(core)
    if located:
        return Intent("locate", core, stripped, located.group("claim"))
    if _INVENT.search(core):
        return Intent("invention", core, stripped)
    if _VERDICT.search(core):
        return Intent("verdict", core, stripped)
    return Intent("fact", core, stripped)
