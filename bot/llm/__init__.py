"""LangChain chat models behind one factory, chosen by `settings.llm.provider`."""

from bot.llm.providers import LLMConfigError, chat_model_for, make_chat_model

__all__ = ["LLMConfigError", "chat_model_for", "make_chat_model"]
