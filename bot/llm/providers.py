"""One small factory per backend: OpenAI-compatible servers, Ollama, or a local GGUF file.

Each backend's package is an optional extra, so it is imported inside its own branch and a
missing one raises LLMConfigError naming the extra to install. Building a model never touches
the network; the first request does.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import LLMSettings, one_per_settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# Local OpenAI-compatible servers (vLLM, llama.cpp server) ignore the key, but the client
# refuses to start without one.
LOCAL_DUMMY_KEY = "not-needed"


class LLMConfigError(RuntimeError):
    """The LLM settings cannot produce a chat model (missing extra, key or file)."""


def _missing(extra: str, package: str) -> LLMConfigError:
    return LLMConfigError(
        f"the '{extra}' LLM provider needs {package}: pip install 'debatebot[{extra}]'"
    )


def _openai(settings: LLMSettings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise _missing("openai", "langchain-openai") from exc
    key = os.environ.get(settings.api_key_env)
    if not key:
        if not settings.base_url:
            raise LLMConfigError(
                f"no API key: set the environment variable {settings.api_key_env} "
                "(or set llm.base_url to a local OpenAI-compatible server)"
            )
        key = LOCAL_DUMMY_KEY
    return ChatOpenAI(
        model=settings.model or "gpt-4o-mini",
        base_url=settings.base_url,
        api_key=key,
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=settings.max_retries,
        max_tokens=settings.max_tokens,
    )


def _ollama(settings: LLMSettings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise _missing("ollama", "langchain-ollama") from exc
    if not settings.model:
        raise LLMConfigError("llm.model must name an Ollama model (e.g. 'llama3.1:8b')")
    return ChatOllama(
        model=settings.model,
        base_url=settings.base_url,
        temperature=settings.temperature,
        num_predict=settings.max_tokens,
        client_kwargs={"timeout": settings.timeout_s},
    )


def _gguf(settings: LLMSettings) -> BaseChatModel:
    # ChatLlamaCpp imports llama_cpp in a validator with a generic message; check first.
    if importlib.util.find_spec("llama_cpp") is None:
        raise _missing("gguf", "llama-cpp-python")
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError as exc:
        raise _missing("gguf", "langchain-community") from exc
    path = Path(settings.model).expanduser()
    if not path.is_file():
        raise LLMConfigError(f"llm.model must be the path of a .gguf file; '{path}' is not a file")
    return ChatLlamaCpp(
        model_path=str(path),
        temperature=settings.temperature,
        max_tokens=settings.max_tokens or 512,
        n_ctx=4096,
        verbose=False,
    )


_FACTORIES = {"openai": _openai, "ollama": _ollama, "gguf": _gguf}


def make_chat_model(settings: LLMSettings) -> BaseChatModel:
    """A LangChain chat model for these settings (no network until it is used)."""
    factory = _FACTORIES.get(settings.provider)
    if factory is None:
        raise LLMConfigError(f"llm.provider is '{settings.provider}': no language model is set")
    return factory(settings)


# The process-wide model for these settings: a GGUF file is loaded once, not per question.
chat_model_for = one_per_settings(make_chat_model)
