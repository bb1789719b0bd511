"""Routing and tagging of audience questions, and the worker that fills in suggested answers.

Routing: "the reading list answers this" when the bot's cited answer does not abstain and the
question does not ask for a view or a forecast (phrase lists in prompts/moderator/routing.yaml);
otherwise "needs the panel". Tagging: the open question of debate.yaml whose wording or keywords
the question is closest to, by embedding similarity.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING

import numpy as np

from bot.debate.texts import asks_for
from bot.index.embeddings import Encode
from bot.models import Answer
from bot.pack import DebatePack, DebatePackError, load_debate
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.debate.queue import AudienceQueue
    from bot.service import Bot

log = logging.getLogger(__name__)

READING_LIST = "reading_list"
PANEL = "panel"


def route_question(text: str, answer: Answer) -> tuple[str, str]:
    """(route, reason): opinion and forecast wording go to the panel before the answer counts."""
    if asks_for("opinion", text):
        return PANEL, "opinion"
    if asks_for("forecast", text):
        return PANEL, "forecast"
    if answer.abstained or not answer.citations:
        return PANEL, "not_in_sources"
    return READING_LIST, "answered"


class Tagger:
    """Finds the open question an audience question bears on."""

    def __init__(self, settings: Settings, encode: Encode, pack: DebatePack | None = None) -> None:
        self.threshold = settings.debate.tag_similarity
        self.encode = encode
        try:
            self.pack: DebatePack | None = pack or load_debate(settings)
        except DebatePackError:
            self.pack = None  # a pack without debate.yaml: questions stay untagged
        self._vectors: list[tuple[str, np.ndarray, np.ndarray]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        with self._lock:
            if self._vectors is None:
                out = []
                theme = self._theme()
                for q in self.pack.open_questions if self.pack else []:
                    text = theme.sub("it", q.wording) if theme else q.wording
                    wording = self.encode([text, q.label])
                    keywords = self.encode(list(q.keywords)) if q.keywords else wording[:0]
                    out.append((q.id, wording, keywords))
                self._vectors = out
            return self._vectors

    def warm(self) -> None:
        """Embed the open questions now (the worker does it at start-up)."""
        self._load()

    def _theme(self) -> re.Pattern[str] | None:
        """The debate's theme (event title before its colon, e.g. "CERN for AI").

        Every question is about the theme, so it says nothing about which one a question
        bears on; left in, it pulls every question that names it towards the one that does.
        """
        if self.pack is None:
            return None
        theme = self.pack.event.title.split(":")[0].strip()
        return re.compile(rf"[“\"]?{re.escape(theme)}[”\"]?", re.I) if theme else None

    def scores(self, vec: np.ndarray) -> dict[str, float]:
        """Per open question: the mean of the best wording match and the best keyword match."""
        out = {}
        for qid, wording, keywords in self._load():
            best_wording = float(np.max(wording @ vec))
            best_keyword = float(np.max(keywords @ vec)) if len(keywords) else best_wording
            out[qid] = (best_wording + best_keyword) / 2
        return out

    def tag(self, vec: np.ndarray) -> tuple[str | None, float | None]:
        scores = self.scores(vec)
        if not scores:
            return None, None
        qid = max(scores, key=lambda k: scores[k])
        score = round(scores[qid], 4)
        return (qid if score >= self.threshold else None), score


class Enricher:
    """Background worker: asks the bot each new question and stores its route and answer."""

    def __init__(self, queue: AudienceQueue, bot: Bot, quiet_s: float = 1.0) -> None:
        self.queue = queue
        self.bot = bot
        self.quiet_s = quiet_s  # answer only after this long without a new submission
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        queue.on_submit = self._wake.set

    def run_once(self, limit: int = 10) -> int:
        """Enrich up to `limit` waiting questions now; returns how many were done."""
        done = 0
        for qid, text in self.queue.pending(limit):
            self._wait_for_quiet()
            answer = self.bot.ask(text, qid=f"audience-{qid}")
            route, reason = route_question(text, answer)
            self.queue.save_enrichment(qid, route, reason, answer)
            done += 1
        return done

    def _wait_for_quiet(self) -> None:
        """During a burst of submissions the attendees' acknowledgements come first."""
        while not self._stop.is_set() and time.monotonic() - self.queue.last_submit < self.quiet_s:
            time.sleep(0.1)

    def start(self) -> None:
        """Start the worker thread once; questions left from before a restart are done first."""
        if self._thread and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._loop, name="audience-enricher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the question in hand (so no model call is cut off at exit)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        try:  # embed the open questions now, not on the first attendee's submit
            self.queue.tagger.warm()
        except Exception:
            log.exception("could not prepare the open-question tagger")
        while not self._stop.is_set():
            try:
                if self.run_once():
                    continue
            except Exception:  # one bad question must not stop the worker for the evening
                log.exception("audience enricher failed; retrying")
            self._wake.wait(timeout=5.0)
            self._wake.clear()
