"""The offline answer engine: the sources' own sentences that answer the question, quoted.

No language model runs. Each sentence of the retrieved passages is scored against the question
(cosine of precomputed sentence vectors, plus the share of the question's content words it
contains); the best few are shown verbatim, in reading order, each with its citation. Below a
calibrated score the engine abstains and lists the closest passages as related reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.answer.question import last_sentence
from bot.citations import CitationList
from bot.index.store import IndexStore, sentence_ids
from bot.models import Chunk, Passage, Quote
from bot.retrieve.text import Rarity, fold, overlap, tokenize
from bot.settings import AnswerSettings

# A sentence opening with one of these leans on the one before it, so that one is shown too.
_DANGLING = re.compile(
    r"^(it|its|this|these|that|those|they|their|such|he|she|his|her|instead|however|so|"
    r"as such|indeed|by contrast|even|yet)\b"
    r"|^[–—-]\s*[A-Z]",  # "– Ursula von der Leyen, 2025" names who said the sentence before
    re.IGNORECASE,
)
# Sentences that steer the reader through the post ("The first section offers...", "The
# following is an overview...") name its topics without saying anything about them.
_SIGNPOST = re.compile(
    r"^(finally,\s+)?(the\s+(first|second|third|next|last|final)\s+section|the\s+following\s+"
    r"(is|are)|a\s+few\s+key\b.*\bhighlighted)",
    re.I,
)
_ABOUT_POST = re.compile(r"\b(post|blog|article|section|sections|overview)\b", re.I)
_LISTISH = {"list", "example", "mission", "area", "type", "kind", "which", "dimension", "goal"}


@dataclass
class ScoredQuote:
    quote: Quote
    score: float
    cos: float
    lex: float
    rank: int  # the passage's rank in retrieval
    entities: float = 1.0  # share of the question's names found around the sentence
    # A number for "how many", money for "what does it cost", a year for "when".
    typed: bool = True
    # The sentence's stored vector, kept for later checks against the answer.
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)


# Weights of the sentence score, chosen on tests/eval/dev.jsonl (see docs/BENCHMARKS.md).
W_COS, W_LEX, W_RANK = 0.85, 0.50, 0.01
ENTITY_PENALTY, TYPE_PENALTY, SIGNPOST_PENALTY = 1.00, 0.50, 0.15
NEXT_MARGIN, KEEP_MARGIN = 0.30, 0.16
LEX_FULL_AT = 4

_NAME = re.compile(r"(?<![\w'’])([A-Z][\w’'-]*[A-Za-z0-9]|[0-9]{4})")
_COUNT_Q = re.compile(r"\bhow (many|much|big|large)\b|\bwhat (number|share|percentage)\b", re.I)
_TALLY_Q = re.compile(r"\bhow many\b|\bwhat number\b", re.I)
_WHEN_Q = re.compile(r"^\s*(when|(in\s+)?(what|which)\s+year|(on\s+)?what\s+date)\b", re.I)
_NUMBER = re.compile(
    r"\d(?:[\d’',.]*\d)?|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
    r"hundred|thousand|million|billion|dozen|half)\b",
    re.I,
)
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")


def wants_figure(question: str) -> bool:
    """Whether the question asks for a number or a year, which only some sentences can give."""
    return bool(_COUNT_Q.search(question) or _WHEN_Q.search(question))


# A sum of money, which answers "how much does it cost" but not "how many".
_AMOUNT = re.compile(
    r"[$€£]\s?\d[\d’',.]*(\s*(billion|million|bn)\b)?"
    r"|\d[\d’',.]*\s*(billion|million)?\s*(chf|usd|eur|gbp|euros?|dollars?|francs?|pounds?)\b",
    re.I,
)
_RATIO = re.compile(r"\b\S+\s+times\b", re.I)


def _numbers(text: str) -> set[str]:
    """The numbers a text gives, thousands separators dropped ("2’500" and "2,500" are one)."""
    return {re.sub(r"[’',](?=\d{3})", "", m.group(0).lower()) for m in _NUMBER.finditer(text)}


def _counts(text: str, given: set[str], tally: bool = False) -> bool:
    """Whether the text has a number that can answer "how many": not a year, and not one the
    question itself gave ("How many attended the 2017 summit?" is not answered by "in 2017").
    A `tally` ("how many", not "how much" or "how big") is not a sum of money or a ratio
    ("ten times larger") either."""
    if tally:
        text = _RATIO.sub(" ", _AMOUNT.sub(" ", text))
    return any(not _YEAR.fullmatch(n) and n not in given for n in _numbers(text))


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
_MONEY = re.compile(
    r"[$€£]|\b(chf|usd|eur|gbp|dollars?|euros?|francs?|pounds?|free of charge|for free)\b", re.I
)


# A question that says "American" finds a passage that says "US", and the other way round.
_ALIASES = [
    ("US", "U.S.", "United States", "American", "America", "Americans"),
    ("UK", "U.K.", "United Kingdom", "British", "Britain"),
    ("EU", "Europe", "European", "Europeans"),
    ("China", "Chinese"),
    ("India", "Indian"),
    ("Switzerland", "Swiss"),
    ("France", "French"),
    ("Germany", "German", "Germans"),
]
_ALIAS_OF = {form.lower(): group for group in _ALIASES for form in group}
_SENTENCE_START = re.compile(r"(^|[.!?:]\s+)$")


def _acronym(word: str) -> bool:
    return len(word) > 1 and (word.isupper() or "." in word)


def _named(question: str) -> list[tuple[str, int, int]]:
    """Each name of `question_names` with where it stands in the question."""
    found = []
    for m in _NAME.finditer(question):
        word = m.group(1).replace("’", "'").removesuffix("'s")
        opens = bool(_SENTENCE_START.search(question[: m.start()]))
        if opens and not _acronym(word):
            continue
        found.append((word, m.start(), m.end()))
    return found


def question_names(question: str) -> list[str]:
    """Capitalised words and years of a question; a word opening a sentence only if an acronym."""
    return [word for word, _, _ in _named(question)]


def name_groups(question: str) -> list[tuple[str, ...]]:
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
    return [tuple(g) for g in groups]


def _mentions(name: str, context: str, folded: str) -> bool:
    """Whether the context names it, by any alias; acronyms match in capitals only ("US", not
    "us")."""
    for form in _ALIAS_OF.get(name.lower(), (name,)):
        hay, needle = (context, form) if _acronym(form) else (folded, fold(form))
        # "AI-for-Good" is the post's "AI for Good": hyphens and spaces are one separator.
        pattern = r"[\s-]+".join(map(re.escape, re.split(r"[\s-]+", needle)))
        if re.search(rf"(?<!\w){pattern}(?!\w)", hay):
            return True
        if _acronym(form) and form.isalpha() and re.search(_spelled_out(form), context):
            return True
    return False


def _spelled_out(acronym: str) -> str:
    """A pattern for the capitalised words an acronym stands for: "LHC", "Large Hadron Collider"."""
    words = [rf"{re.escape(ch)}[\w’'-]*" for ch in acronym]
    return r"\b" + r"\s+(?:(?:of|for|and|the|on)\s+)?".join(words) + r"\b"


def _coverage(groups: list[tuple[str, ...]], context: str, idf: Rarity | None) -> float:
    """Share of the question's names found in the context, each weighted by its rarity; a group
    of alternatives counts as found when any of them is.

    "CERN" and "AI" are in nearly every passage of this reading list, so a passage lacking
    them loses little; a name found nowhere in the corpus weighs the most.
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
        if any(_mentions(n, context, folded) for n in g)
    )
    return found / total if total else 1.0


def score_sentences(
    passages: list[Passage],
    qvec: np.ndarray,
    qtokens: list[str],
    store: IndexStore,
    question: str = "",
    idf: Rarity | None = None,
    titles: dict[str, str] | None = None,
) -> list[ScoredQuote]:
    """Every sentence of the passages, scored against the question.

    A passage is about what its document's title, its headings and its own text name, so a
    question's names are looked for in all three (`titles`: source id -> title).
    """
    vectors = store.sentence_vectors([p.chunk.id for p in passages])
    # Names in a lead-in ("Greetings from Nairobi.") say who asks, not what is asked.
    names = name_groups(last_sentence(question))
    wants_number = bool(_COUNT_Q.search(question))
    wants_money = (wants_number and bool(_MONEY_Q.search(question))) or bool(
        _MONEY_NOUN_Q.search(question)
    )
    wants_year = bool(_WHEN_Q.search(question))
    wants_tally = bool(_TALLY_Q.search(question))
    # A price may be "free"; a budget is an amount.
    money_pattern = _AMOUNT if _BUDGET_Q.search(question) else _MONEY
    given = _numbers(question)
    signpost_penalty = 0.0 if _ABOUT_POST.search(question) else SIGNPOST_PENALTY
    # Word overlap with a two-word question is all or nothing, so it gains 1/LEX_FULL_AT of its
    # weight per distinct question word beyond the first (in full from five words).
    w_lex = W_LEX * min(1.0, max(0, len(set(qtokens)) - 1) / LEX_FULL_AT)
    out: list[ScoredQuote] = []
    for rank, p in enumerate(passages):
        if p.chunk.block_kind == "heading":
            continue  # headings are cited by the structure answers, not quoted as claims
        title = (titles or {}).get(p.chunk.source_id, "")
        context = " ".join([title, *p.chunk.heading_path, p.chunk.text])
        entities = _coverage(names, context, idf)
        for i, sid in enumerate(sentence_ids(p.chunk)):
            vec = vectors.get(sid)
            if vec is None:
                continue
            q = Quote(p.chunk, i)
            cos = float(vec @ qvec)
            lex = overlap(qtokens, tokenize(q.text), idf)
            typed = not (
                (wants_number and not _counts(q.text, given, wants_tally))
                or (wants_money and not money_pattern.search(q.text))
                or (wants_year and not _YEAR.search(q.text))
            )
            score = W_COS * cos + w_lex * lex - W_RANK * rank
            score -= ENTITY_PENALTY * (1.0 - entities) + (0.0 if typed else TYPE_PENALTY)
            if _SIGNPOST.match(q.text):
                score -= signpost_penalty
            out.append(ScoredQuote(q, score, cos, lex, rank, entities, typed, vec))
    out.sort(key=lambda s: -s.score)
    return out


def _with_antecedent(chosen: list[ScoredQuote]) -> list[Quote]:
    """Add the previous sentence of the same chunk where a chosen one starts with 'It', 'This'."""
    quotes: list[Quote] = []
    keys = {s.quote.key for s in chosen}
    for s in chosen:
        q = s.quote
        if q.index > 0 and _DANGLING.match(q.text) and q.chunk.block_kind != "list":
            prev = Quote(q.chunk, q.index - 1)
            if prev.key not in keys:
                quotes.append(prev)
                keys.add(prev.key)
        quotes.append(q)
    return quotes


def _chunk_after(chunk: Chunk, chunks_by_source: list[Chunk]) -> Chunk | None:
    """The next chunk of the same source, headings skipped."""
    after = [c for c in chunks_by_source if c.start > chunk.start and c.block_kind != "heading"]
    return after[0] if after else None


def _following_list(chunk: Chunk, chunks_by_source: list[Chunk]) -> Chunk | None:
    """The list chunk that a sentence ending in ':' introduces, if it comes right after."""
    after = _chunk_after(chunk, chunks_by_source)
    return after if after is not None and after.block_kind == "list" else None


def _next_sentence(quote: Quote, chunks_by_source: list[Chunk]) -> Quote | None:
    """The sentence after this one: in its chunk, or opening the next paragraph of its section."""
    if quote.index + 1 < len(quote.chunk.sentences):
        return Quote(quote.chunk, quote.index + 1)
    after = _chunk_after(quote.chunk, chunks_by_source)
    if (
        after is not None
        and after.block_kind == quote.chunk.block_kind == "paragraph"
        and after.heading_path == quote.chunk.heading_path
        and after.sentences
    ):
        return Quote(after, 0)
    return None


def compose(
    scored: list[ScoredQuote],
    settings: AnswerSettings,
    cites: CitationList,
    qtokens: list[str],
    neighbours: dict[str, list[Chunk]],
) -> list[dict]:
    """Pick and order the sentences of the answer; returns template items."""
    if not scored:
        return []
    best = scored[0].score
    floor = min(best, max(settings.sentence_floor, best - KEEP_MARGIN))
    chosen: list[ScoredQuote] = []
    seen_text: set[str] = set()
    for s in scored:
        if s.score < floor or len(chosen) >= settings.max_sentences:
            break
        norm = " ".join(tokenize(s.quote.text))
        if norm in seen_text:
            continue
        seen_text.add(norm)
        chosen.append(s)

    # The sentence right after the best one often carries its detail ("Each member state has
    # two representatives..."); keep it when it is still on topic.
    by_key = {s.quote.key: s for s in scored}
    top = chosen[0]
    after = _next_sentence(top.quote, neighbours.get(top.quote.chunk.source_id, []))
    if after is not None and after.key not in {s.quote.key for s in chosen}:
        nxt = by_key.get(after.key)
        # One that opens with "This tension..." goes on with the same thought: kept whatever
        # its own score, which suffers from the words it leaves to the sentence before.
        if _DANGLING.match(after.text):
            chosen.append(nxt or ScoredQuote(after, top.score, top.cos, top.lex, top.rank))
        elif nxt is not None and nxt.score >= best - NEXT_MARGIN:
            chosen.append(nxt)

    wants_list = bool(set(qtokens) & _LISTISH)
    quotes = _with_antecedent(chosen)
    # Best passage first; within a passage, the sentences in the order they were written.
    rank_of: dict[str, int] = {}
    for s in chosen:
        rank_of.setdefault(s.quote.chunk.id, len(rank_of))
    quotes.sort(key=lambda q: (rank_of.get(q.chunk.id, len(rank_of)), q.chunk.start, q.index))

    items: list[dict] = []
    shown_lists: set[str] = set()
    for q in quotes:
        chunk = q.chunk
        if chunk.block_kind == "list":
            if chunk.id in shown_lists:
                continue
            shown_lists.add(chunk.id)
            items.append({"kind": "list", "text": "", "n": 0, "entries": cites.entries(chunk)})
            continue
        n = cites.cite(q)
        lst = None
        if q.text.rstrip().endswith(":") and (wants_list or q.index == len(chunk.sentences) - 1):
            lst = _following_list(chunk, neighbours.get(chunk.source_id, []))
        if lst is not None and lst.id not in shown_lists:
            shown_lists.add(lst.id)
            items.append({"kind": "list", "text": q.text, "n": n, "entries": cites.entries(lst)})
        else:
            items.append({"kind": "sentence", "text": q.text, "n": n, "entries": []})
    return items
