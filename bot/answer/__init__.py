"""Passages to cited text: the one answer pipeline.

A question is analysed once (`Query`), the reading list's sentences are scored by one fitted
model (`Evidence`), and answering strategies run in the order the settings give: decline
verdicts, locate a claimed sentence, answer from the pack's structure, an optional language
model, and the reading list's own sentences. Everything outside this package uses these names.
"""

from bot.answer.adapter import ADAPTER_FILE, QueryAdapter
from bot.answer.context import AnswerContext
from bot.answer.evidence import Evidence, Findings, find
from bot.answer.fit import fit_model
from bot.answer.model import WEIGHTS_FILE, ModelFileError, ScoringModel, load_model
from bot.answer.pipeline import STRATEGIES
from bot.answer.pipeline import run as run_pipeline
from bot.answer.query import Query, Turn, analyse, clean_question, last_sentence

__all__ = [
    "ADAPTER_FILE",
    "STRATEGIES",
    "WEIGHTS_FILE",
    "AnswerContext",
    "Evidence",
    "Findings",
    "ModelFileError",
    "Query",
    "QueryAdapter",
    "ScoringModel",
    "Turn",
    "analyse",
    "clean_question",
    "find",
    "fit_model",
    "last_sentence",
    "load_model",
    "run_pipeline",
]
