"""The claim checker: every sentence of an LLM answer must cite, and be supported by, a passage.

A sentence is kept only if it carries a marker, every marker names a passage the model was
given (1..k), and a cited passage supports it. The support score is

    0.3 x cosine(sentence, best sentence of the cited passage)
  + 0.3 x share of the sentence's content words found in that best sentence
  + 0.4 x share found anywhere in the passage (its headings included),

weights and thresholds measured on 60 hand-labelled claims over the reading list (paraphrases,
half-true claims, wrong facts, wrong passages, injected instructions): "supported" at 0.68,
"partial" at 0.60. Three rules override the score: a number the cited passages lack makes a
sentence unsupported, a sentence that reads as an instruction to the model is unsupported,
and a negation the best sentence does not share turns "supported" into "partial". Unsupported
sentences are removed, not struck through: at a live debate a struck-through claim is still
read aloud. Kept sentences end with a visible "*(supported)*" or "*(partial)*".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.answer.context import Encode, SentenceVectors
from bot.citations import CitationList
from bot.index.store import sentence_ids
from bot.ingest.sentences import split_sentences
from bot.models import Citation, Passage, Quote
from bot.prompts import phrase
from bot.registry import Source
from bot.retrieve.text import fold, tokenize
from bot.settings import AnswerSettings

COS_W, SENTENCE_W, PASSAGE_W = 0.3, 0.3, 0.4
LABELS = ("supported", "partial")  # the statuses of a kept sentence, strongest first

_NUM = r"\d{1,3}(?:\s*[–-]\s*\d{1,3})?"
_GROUP = re.compile(rf"\[\s*({_NUM}(?:\s*[,;]\s*{_NUM})*)\s*\]")
_AFTER_STOP = re.compile(rf"([.!?]+)((?:\s*\[\s*{_NUM}(?:\s*[,;]\s*{_NUM})*\s*\])+)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.]{0,60}?\b(instructions?|prompts?|rules|"
    r"guidelines|sources|passages|context)\b|\bsystem prompt\b|\byou are now\b"
    r"|\bnew instructions?\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(not|no|never|non|neither|nor|without|cannot)\b|n't\b", re.IGNORECASE)


@dataclass
class Claim:
    """One sentence of the model's answer and what the checker made of it."""

    text: str  # without its markers
    markers: list[int]  # as the model wrote them
    block: int = 0  # the line it came from, for layout
    bullet: bool = False
    status: str = ""  # supported | partial | unsupported | no_marker | bad_marker | instruction
    score: float = 0.0
    reason: str = ""
    quotes: list[Quote] = field(default_factory=list)  # one verbatim sentence per kept marker
    numbers: list[int] = field(default_factory=list)  # final citation numbers

    @property
    def kept(self) -> bool:
        return self.status in LABELS


@dataclass
class VerifyReport:
    """What was kept, what was removed and why, and the rendered answer."""

    claims: list[Claim]
    text: str
    citations: list[Citation]

    @property
    def kept(self) -> list[Claim]:
        return [c for c in self.claims if c.kept]

    @property
    def removed(self) -> list[Claim]:
        return [c for c in self.claims if not c.kept and c.status not in ("heading", "no_answer")]

    @property
    def no_answer(self) -> bool:
        return any(c.status == "no_answer" for c in self.claims)


# --- pure parts -------------------------------------------------------------------------
def parse_markers(sentence: str) -> tuple[str, list[int]]:
    """The sentence without its markers, and the passage numbers cited ([1], [1, 3], [2-4])."""
    found: list[int] = []
    for group in _GROUP.finditer(sentence):
        for part in re.split(r"\s*[,;]\s*", group.group(1).strip()):
            lo, _, hi = re.sub(r"\s", "", part).replace("–", "-").partition("-")
            a, b = int(lo), int(hi or lo)
            found.extend(range(a, b + 1) if 0 <= b - a < 10 else (a, b))
    text = _GROUP.sub("", sentence)
    text = re.sub(r"\s+([.,;:!?)])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    return text, list(dict.fromkeys(found))


def marker_status(markers: list[int], k: int) -> str:
    """'' when every marker names one of the k passages, else why the sentence goes."""
    if not markers:
        return "no_marker"
    if any(not 1 <= m <= k for m in markers):
        return "bad_marker"
    return ""


def looks_like_instruction(text: str) -> bool:
    """Text addressed to the model ("ignore previous instructions ..."), not a claim."""
    return bool(_INSTRUCTION.search(text))


def label_for(score: float, settings: AnswerSettings) -> str:
    if score >= settings.support_threshold:
        return "supported"
    if score >= settings.partial_threshold:
        return "partial"
    return "unsupported"


def split_claims(text: str) -> list[Claim]:
    """The model's answer as sentences; markers written after the full stop stay with theirs."""
    claims: list[Claim] = []
    no_answer = fold(phrase("not_in_reading_list")).rstrip(".")
    for block, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        if _HEADING.match(line):
            claims.append(Claim(line.strip(), [], block, status="heading"))
            continue
        bullet = _BULLET.match(line)
        body = line[bullet.end() :] if bullet else line
        body = _AFTER_STOP.sub(lambda m: " " + m.group(2).strip() + m.group(1), body)
        for a, b in split_sentences(body):
            clean, marks = parse_markers(body[a:b])
            if not re.search(r"\w", clean):  # markers alone belong to the sentence before
                if claims and not claims[-1].status:
                    claims[-1].markers += [m for m in marks if m not in claims[-1].markers]
                continue
            claim = Claim(clean, marks, block, bullet=bool(bullet))
            if not marks and fold(clean).startswith(no_answer):
                claim.status = "no_answer"
            claims.append(claim)
    return claims


def render_claims(claims: list[Claim]) -> str:
    """Kept sentences with their final markers and labels; bullets and paragraphs preserved."""
    blocks: dict[int, list[Claim]] = {}
    for c in claims:
        if c.kept or c.status == "no_answer":
            blocks.setdefault(c.block, []).append(c)
    out: list[str] = []
    prev_bullet = False
    for group in blocks.values():
        parts = []
        for c in group:
            marks = "".join(f"[{n}]" for n in c.numbers)
            label = f" *({c.status})*" if c.kept else ""
            parts.append(f"{c.text} {marks}{label}".replace("  ", " ").strip())
        line = ("- " if group[0].bullet else "") + " ".join(parts)
        if out:
            out.append("\n" if (prev_bullet and group[0].bullet) else "\n\n")
        out.append(line)
        prev_bullet = group[0].bullet
    return "".join(out)


# --- scoring against the passages ---------------------------------------------------------
def _match(token: str, tokens: set[str]) -> bool:
    """Exact, or one stem a prefix of the other ('contribut'/'contribute', 'proportion'/-al)."""
    if token in tokens:
        return True
    return len(token) >= 5 and any(
        len(t) >= 5 and (t.startswith(token) or token.startswith(t)) for t in tokens
    )


def soft_overlap(claim_tokens: list[str], tokens: set[str]) -> float:
    """Share of the claim's distinct content words that the text contains."""
    distinct = set(claim_tokens)
    if not distinct:
        return 0.0
    return sum(_match(t, tokens) for t in distinct) / len(distinct)


@dataclass
class Support:
    """One passage as the checker sees it: its sentences (instruction-like ones excluded)."""

    passage: Passage
    vectors: dict[int, np.ndarray]
    tokens: dict[int, set[str]]
    all_tokens: set[str]

    @classmethod
    def build(
        cls, passages: list[Passage], vectors: SentenceVectors, encode: Encode
    ) -> list[Support]:
        """Sentence vectors from the index; a sentence missing there is embedded now."""
        stored = vectors([p.chunk.id for p in passages])
        out, missing = [], []
        for p in passages:
            ev = cls(p, {}, {}, set(tokenize(" ".join(p.chunk.heading_path))))
            for i, sid in enumerate(sentence_ids(p.chunk)):
                text = Quote(p.chunk, i).text
                if looks_like_instruction(text):
                    continue  # a document's instruction is data: it supports nothing
                ev.tokens[i] = set(tokenize(text))
                ev.all_tokens |= ev.tokens[i]
                if sid in stored:
                    ev.vectors[i] = stored[sid]
                else:
                    missing.append((ev, i, text))
            out.append(ev)
        if missing:
            vecs = encode([t for _, _, t in missing])
            for (ev, i, _), v in zip(missing, vecs, strict=True):
                ev.vectors[i] = v
        return out

    def support(self, vec: np.ndarray, claim_tokens: list[str]) -> tuple[float, int | None]:
        """(support score, index of the best-supporting sentence) for one claim."""
        best: tuple[float, float, int] | None = None
        for i, svec in self.vectors.items():
            cos = float(svec @ vec)
            lex = soft_overlap(claim_tokens, self.tokens[i])
            if best is None or cos + lex > best[0] + best[1]:
                best = (cos, lex, i)
        if best is None:
            return 0.0, None
        cos, lex, i = best
        lex_all = soft_overlap(claim_tokens, self.all_tokens)
        return COS_W * cos + SENTENCE_W * lex + PASSAGE_W * lex_all, i


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def _missing_numbers(claim_tokens: list[str], cited_tokens: set[str]) -> set[str]:
    """Numbers the claim states that the cited passages do not: "50 member states" vs 25."""
    return {t for t in claim_tokens if t.isdigit()} - cited_tokens


def locate(
    claim: str,
    vec: np.ndarray,
    passages: list[Passage],
    vectors: SentenceVectors,
    encode: Encode,
    threshold: float,
) -> tuple[float, Quote | None]:
    """The sentence that states `claim` (`vec` its unit vector), with its support score, or
    None when none does.

    Stricter than the labels of an LLM answer: the asker asked for the very sentence, so a
    passage on the same topic that states something else (another number, a negation) is not it.
    """
    if not passages:
        return 0.0, None
    tokens = tokenize(claim)
    best: tuple[float, Quote | None] = (0.0, None)
    for ev in Support.build(passages, vectors, encode):
        score, idx = ev.support(vec, tokens)
        if idx is None or score <= best[0]:
            continue
        quote = Quote(ev.passage.chunk, idx)
        if _missing_numbers(tokens, ev.tokens[idx]) or _negated(claim) != _negated(quote.text):
            continue
        best = (score, quote)
    return best if best[0] >= threshold else (best[0], None)


def _judge(claim: Claim, vec: np.ndarray, evidence: list[Support], cfg: AnswerSettings) -> None:
    """Set the claim's status, score and quotes from the passages it cites."""
    tokens = tokenize(claim.text)
    scored = []
    for m in claim.markers:
        score, idx = evidence[m - 1].support(vec, tokens)
        scored.append((score, m, idx))
    claim.score = max(s for s, _, _ in scored)
    cited_tokens = set().union(*(evidence[m - 1].all_tokens for m in claim.markers))
    missing_numbers = _missing_numbers(tokens, cited_tokens)
    if missing_numbers:
        claim.status, claim.reason = "unsupported", f"numbers not in the passage: {missing_numbers}"
        return
    order = {"supported": 0, "partial": 1, "unsupported": 2}
    kept: list[tuple[str, Quote]] = []
    for score, m, idx in sorted(scored, key=lambda s: -s[0]):
        if idx is None:
            continue
        quote = Quote(evidence[m - 1].passage.chunk, idx)
        label = label_for(score, cfg)
        if label == "supported" and _negated(claim.text) != _negated(quote.text):
            label = "partial"  # weak evidence of a flipped claim: flag it, do not remove it
        if label != "unsupported":
            kept.append((label, quote))
    if not kept:
        claim.status, claim.reason = "unsupported", "no cited passage supports it"
        return
    claim.status = min((label for label, _ in kept), key=order.__getitem__)
    claim.quotes = [q for _, q in kept]


def verify(
    text: str,
    passages: list[Passage],
    vectors: SentenceVectors,
    encode: Encode,
    settings: AnswerSettings,
    sources: dict[str, Source],
) -> VerifyReport:
    """Check every sentence of `text` against the passages the model was given, in order."""
    claims = split_claims(text)
    for c in claims:
        if not c.status:
            c.status = marker_status(c.markers, len(passages))
        if not c.status and looks_like_instruction(c.text):
            c.status, c.reason = "instruction", "an instruction, not a claim"
    to_check = [c for c in claims if not c.status]
    if to_check:
        evidence = Support.build(passages, vectors, encode)
        claim_vectors = encode([c.text for c in to_check])
        for claim, vec in zip(to_check, claim_vectors, strict=True):
            _judge(claim, vec, evidence, settings)
    cites = CitationList(sources)
    for c in claims:
        if c.kept:
            c.numbers = list(dict.fromkeys(cites.cite(q) for q in c.quotes))
            for n in c.numbers:
                item = cites.items[n - 1]
                if item.support != "supported":
                    item.support = c.status
    return VerifyReport(claims, render_claims(claims), cites.items)
