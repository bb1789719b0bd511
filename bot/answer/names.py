"""The names a question turns on, and whether a passage mentions them.

A name is a capitalised word or a year of the question; a word that opens a sentence counts
only if it is an acronym ("What ..." is not a name, "CERN ..." is). Aliases come from the pack's
lexicon, so "American" finds "US" where the pack says they are one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.lexicon import Lexicon
from bot.retrieve.text import TEXT_CACHE, Rarity, fold, stem, tokenize

_NAME = re.compile(r"(?<![\w'’])([A-Z][\w’'-]*[A-Za-z0-9]|[0-9]{4})")
_SENTENCE_START = re.compile(r"(^|[.!?:]\s+)$")
# "I'm", "I'd", "I've", "I'll": the asker, not a name.
_PRONOUN_I = re.compile(r"I'[a-z]+$")

NameGroups = tuple[tuple[str, ...], ...]


def acronym(word: str) -> bool:
    return len(word) > 1 and (word.isupper() or "." in word)


def _named(question: str) -> list[tuple[str, int, int]]:
    """Each name with where it stands in the question: a run of capitalised words ("Tony Blair
    Institute", "United Nations") is one name; a word opening a sentence starts one only if it
    is an acronym."""
    found: list[tuple[str, int, int]] = []
    for m in _NAME.finditer(question):
        word = m.group(1).replace("’", "'").removesuffix("'s")
        opens = bool(_SENTENCE_START.search(question[: m.start()]))
        if (opens and not acronym(word)) or _PRONOUN_I.match(word):
            continue
        # A compound's name ends where its modifier begins, so no word joins on after it.
        head = _head(word)
        end = m.end() if head == word else m.start() + len(head)
        if found and _joins(found[-1][0], head):
            gap = question[found[-1][2] : m.start()]
            if gap == " " and not found[-1][0].endswith("'"):
                last = found.pop()
                found.append((f"{last[0]} {head}", last[1], end))
                continue
        found.append((head, m.start(), end))
    return found


def _head(word: str) -> str:
    """The name in a compound that modifies it: "CERN-style" and "CERN-based" name CERN,
    "AI-in-science" names AI; a compound ending in a capital or a digit is a name whole
    ("AI-for-Good", "GPT-4")."""
    parts = word.split("-")
    while len(parts) > 1 and parts[-1].islower():
        parts.pop()
    return "-".join(parts)


def _joins(before: str, word: str) -> bool:
    """Whether `word` goes on with the name before it: two capitalised words, neither an
    acronym nor a year ("Tony Blair", not "EU Gigafactory" or "CERN 2017")."""
    last = before.split()[-1]
    return not any(acronym(w) or w.isdigit() for w in (last, word))


def question_names(question: str) -> list[str]:
    """Capitalised names and years of a question; a word opening a sentence only if an
    acronym."""
    return [word for word, _, _ in _named(question)]


def name_groups(question: str) -> NameGroups:
    """The question's names, those offered as alternatives grouped: in "is it in France or in
    Switzerland?" either one found is enough."""
    groups: list[list[str]] = []
    end = -1
    for word, start, stop in _named(question):
        between = question[end:start].lower().split() if groups else []
        if "or" in between and len(between) <= 3:
            groups[-1].append(word)
        else:
            groups.append([word])
        end = stop
    return tuple(tuple(g) for g in groups)


def spelled_out(acronym_: str) -> str:
    """A pattern for the capitalised words an acronym stands for: "LHC", "Large Hadron
    Collider"."""
    words = [rf"{re.escape(ch)}[\w’'-]*" for ch in acronym_]
    return r"\b" + r"\s+(?:(?:of|for|and|the|on)\s+)?".join(words) + r"\b"


def _initials(name: str) -> str:
    """ "United Nations" -> "UN": the acronym a multi-word name may go by."""
    words = [w for w in name.split() if w[:1].isupper()]
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def mentions(name: str, context: str, folded: str, lexicon: Lexicon) -> bool:
    """Whether the context names it, by any alias; acronyms match in capitals only ("US", not
    "us"); a name of words matches whatever their endings ("Gigafactory", "Gigafactories") or
    by its initials ("United Nations", "UN"). `folded` is `fold(context)`, passed in so a
    caller checking many names folds once."""
    for form in lexicon.alias_of.get(fold(name), (name,)):
        if acronym(form):
            if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", context):
                return True
            if form.isalpha() and re.search(spelled_out(form), context):
                return True
            continue
        # "AI-for-Good" is "AI for Good": hyphens and spaces are one separator; each word
        # matches on its stem.
        stems = _words(form)
        if stems and _stem_run(stems, folded):
            return True
        short = _initials(form)
        if short and re.search(rf"(?<!\w){re.escape(short)}(?!\w)", context):
            return True
    return False


_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=TEXT_CACHE)
def _words(text: str) -> tuple[str, ...]:
    """Every word, folded and stemmed (stop words kept: "AI for Good" is not "AI is good");
    cached, as every name of a question is looked for in the same passages."""
    return tuple(stem(w) for w in _WORD.findall(fold(text).replace("'s", "")))


def _stem_run(stems: tuple[str, ...], folded: str) -> bool:
    """Whether the words stand in the text one after the other."""
    words = _words(folded)
    n = len(stems)
    return any(words[i : i + n] == stems for i in range(len(words) - n + 1))


def coverage(groups: NameGroups, context: str, idf: Rarity | None, lexicon: Lexicon) -> float:
    """Share of the question's names found in the context, each weighted by its rarity; a group
    of alternatives counts as found when any of them is.

    A name every passage carries (the debate's own subject) loses little when missing; a name
    found nowhere in the corpus weighs the most.
    """
    if not groups:
        return 1.0
    context = context.replace("’", "'")
    folded = fold(context)

    def weight(name: str) -> float:
        if idf is None:
            return 1.0
        return max((idf(t) for t in tokenize(name)), default=idf.rarest)

    weights = [max(weight(n) for n in g) for g in groups]
    total = sum(weights)
    found = sum(
        w
        for g, w in zip(groups, weights, strict=True)
        if any(mentions(n, context, folded, lexicon) for n in g)
    )
    return found / total if total else 1.0
