"""What kind of answer a question wants (a number, a sum of money, a year, a list...) and whether
a sentence can give it. General English, the same for every pack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COUNT_Q = re.compile(r"\bhow (many|much|big|large)\b|\bwhat (number|share|percentage)\b", re.I)
_TALLY_Q = re.compile(r"\bhow many\b|\bwhat number\b", re.I)
_WHEN_Q = re.compile(r"^\s*(when|(in\s+)?(what|which)\s+year|(on\s+)?what\s+date)\b", re.I)
# "How much does it cost", "what is the budget": only an amount of money answers these.
_MONEY_Q = re.compile(
    r"\b(cost|costs|price|prices|budget|budgets|fee|fees|spend|spends|spending|salary|"
    r"salaries|pay|pays|paid|money|worth)\b",
    re.I,
)
_MONEY_NOUN_Q = re.compile(
    r"\bwhat('s|\s+is|\s+was|\s+are|\s+were)\b[^?]{0,40}\b(budget|cost|price|fee|salary|"
    r"spending)s?\b",
    re.I,
)
_BUDGET_Q = re.compile(r"\b(budgets?|spend|spends|spending|spent)\b", re.I)
_LIST_Q = re.compile(
    r"\b(list|examples?|which\s+\w+s\b|what\s+are\s+the|name\s+(the|some|all)|kinds|types|"
    r"areas|ways|reasons|dimensions|goals|aims|missions?)\b",
    re.I,
)
_YESNO_Q = re.compile(
    r"^\s*(is|are|was|were|does|do|did|can|could|should|would|will|has|have|had)\b", re.I
)
_DEFINE_Q = re.compile(
    r"^\s*what\s+(is|are|'s)\s+(an?\s+|the\s+)?[^?]{1,60}\?*\s*$|\bstand\s+for\b|\bfull\s+name\b"
    r"|\bwhat\s+does\s+[^?]{1,60}\s+mean\b",
    re.I,
)
_REASON_Q = re.compile(r"^\s*why\b|\breasons?\b|\bmotivat\w+\b|\bwhat\s+for\b", re.I)
_PERSON_Q = re.compile(r"^\s*who\b|\bwhich\s+(person|people|organi[sz]ations?)\b", re.I)
# "Which question does it put?", "how is the prompt worded?": a question (one the text poses)
# answers these. "Student question: ..." only labels the asker's own.
_QUESTION_Q = re.compile(
    r"\b(questions?|prompts?|discussion\s+points?)\b(?!\s*:)|\b(pose[sd]?|worded|phrased)\b", re.I
)
# The document's own parts, named in the plural, and one part.
_PARTS = r"(sections|parts|headings|chapters|clusters|groupings|groups|categories)"
_PART = r"(section|part|heading|chapter|cluster|grouping|group|category)"
# "What are the groups?", "under which cluster is X?", "how is it laid out?": the document's own
# parts, whose names are its headings, answer these ("took part" is not a part).
_PART_Q = re.compile(
    rf"\b({_PARTS}|outline|organi[sz]ed|structured|laid\s+out)\b"
    rf"|\b(which|what)\s+(of\s+the\s+\w+\s+|\w+\s+)?{_PART}\b",
    re.I,
)
# "What groups ...?", "which are the sections?", an outline: several parts, which answer together
# as a list's items do. "Which of the four clusters ...?" asks for one of them, "how many groups?"
# for a number and "are the groups ...?" for a yes or a no.
_SEVERAL_PARTS_Q = re.compile(rf"\b(what|which)\s+([\w’']+\s+){{0,3}}?{_PARTS}\b|\boutline\b", re.I)
_ONE_OF_PARTS_Q = re.compile(rf"\b(which|what|one|each)\s+of\s+([\w’']+\s+){{1,2}}{_PARTS}\b", re.I)

_NUMBER = re.compile(
    r"\d(?:[\d’',.]*\d)?|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
    r"hundred|thousand|million|billion|dozen|half)\b",
    re.I,
)
YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
# A sum of money, which answers "how much does it cost" but not "how many".
_AMOUNT = re.compile(
    r"[$€£]\s?\d[\d’',.]*(\s*(billion|million|bn)\b)?"
    r"|\d[\d’',.]*\s*(billion|million)?\s*(chf|usd|eur|gbp|euros?|dollars?|francs?|pounds?)\b",
    re.I,
)
_RATIO = re.compile(r"\b\S+\s+times\b", re.I)
_MONEY = re.compile(
    r"[$€£]|\b(chf|usd|eur|gbp|dollars?|euros?|francs?|pounds?|free of charge|for free)\b", re.I
)
_PERSON = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:[A-Z][a-z]+|von|der|de|van|et al\.))+")
_REASON = re.compile(
    r"\b(because|due to|so that|in order to|rationale|motivations?|reasons?|since|thus|"
    r"therefore|allowed|enable[sd]?|helped)\b",
    re.I,
)


def poses(sentence: str) -> bool:
    """Whether the sentence is itself a question."""
    return sentence.rstrip().endswith("?")


def numbers(text: str) -> frozenset[str]:
    """The numbers a text gives, thousands separators dropped ("2’500" and "2,500" are one)."""
    return frozenset(
        re.sub(r"[’',](?=\d{3})", "", m.group(0).lower()) for m in _NUMBER.finditer(text)
    )


def counts(text: str, given: frozenset[str], tally: bool = False) -> bool:
    """Whether the text has a number that can answer "how many": not a year, and not one the
    question itself gave. A `tally` ("how many", not "how much") is not a sum of money or a
    ratio ("ten times larger") either."""
    if tally:
        text = _RATIO.sub(" ", _AMOUNT.sub(" ", text))
    return any(not YEAR.fullmatch(n) and n not in given for n in numbers(text))


@dataclass(frozen=True)
class Wants:
    """The kind of answer a question asks for."""

    number: bool = False  # how many / how much / how big
    tally: bool = False  # how many: a count, not money or a ratio
    money: bool = False  # a price or a budget
    amount: bool = False  # a budget: a sum, where a price may be "free"
    year: bool = False  # when, in what year
    listing: bool = False  # several items
    yesno: bool = False  # is / does / should ...
    definition: bool = False  # what is X, what does X stand for
    reason: bool = False  # why
    person: bool = False  # who
    question: bool = False  # which question a text poses
    part: bool = False  # a part of the document: its sections, groups, headings
    given: frozenset[str] = frozenset()  # numbers the question itself gives

    @property
    def figure(self) -> bool:
        """Asks for a number, a sum or a year, which only some sentences can give."""
        return self.number or self.money or self.year

    def met_by(self, sentence: str) -> bool:
        """Whether the sentence can give the figure asked for (always, if none is asked)."""
        if self.year and not YEAR.search(sentence):
            return False
        if self.money:  # a price may be "free"; a budget is a sum
            return bool((_AMOUNT if self.amount else _MONEY).search(sentence))
        return not (self.number and not counts(sentence, self.given, self.tally))

    def shape_of(self, sentence: str) -> dict[str, float]:
        """How the sentence fits the open kinds of answer (who, why, which question)."""
        return {
            "person_fit": float(self.person and bool(_PERSON.search(sentence))),
            "reason_fit": float(self.reason and bool(_REASON.search(sentence))),
            "question_fit": float(self.question and poses(sentence)),
        }


def wants(question: str) -> Wants:
    """Read what kind of answer `question` (its asked sentence) wants."""
    number = bool(_COUNT_Q.search(question))
    several_parts = bool(_SEVERAL_PARTS_Q.search(question)) and not _ONE_OF_PARTS_Q.search(question)
    return Wants(
        number=number,
        tally=bool(_TALLY_Q.search(question)),
        money=(number and bool(_MONEY_Q.search(question))) or bool(_MONEY_NOUN_Q.search(question)),
        amount=bool(_BUDGET_Q.search(question)),
        year=bool(_WHEN_Q.search(question)),
        listing=bool(_LIST_Q.search(question)) or several_parts,
        yesno=bool(_YESNO_Q.search(question)),
        definition=bool(_DEFINE_Q.search(question)),
        reason=bool(_REASON_Q.search(question)),
        person=bool(_PERSON_Q.search(question)),
        question=bool(_QUESTION_Q.search(question)),
        part=bool(_PART_Q.search(question)),
        given=numbers(question),
    )
