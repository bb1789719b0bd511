"""What every tab shares: the settings, the Bot, the feedback store and a "send to chat" hook.

Tabs added by others (`bot/ui/prepare.py`, `bot/ui/moderator.py`) get this object in their
`build_tab(ctx)`; they reach the chat only through `send_to_chat` / `restrict_chat`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.prompts import PromptError, data_file, lookup

if TYPE_CHECKING:
    import gradio as gr

    from bot.feedback import FeedbackStore
    from bot.service import Bot
    from bot.settings import Settings

ASK_TAB = "ask"


def text(key: str, **values: Any) -> str:
    """A UI string from prompts/ui/text.yaml (labels live there, not in code)."""
    return lookup("ui/text.yaml", key, "UI text", **values)


def text_list(key: str) -> list[str]:
    """A list-valued UI entry (starter questions, column names)."""
    value = data_file("ui/text.yaml").get(key)
    if not isinstance(value, list):
        raise PromptError(f"UI text '{key}' in prompts/ui/text.yaml is not a list")
    return [str(v) for v in value]


@dataclass
class UIContext:
    """Shared by all tabs; the Ask tab fills in the chat components when it is built."""

    settings: Settings
    bot: Bot
    feedback: FeedbackStore
    demo: gr.Blocks | None = None
    tabs: gr.Tabs | None = None
    question: gr.Textbox | None = None
    source: gr.Dropdown | None = None
    chat_chain: Callable[[Any], Any] | None = None  # attaches "answer what is in the box"

    def send_to_chat(
        self,
        trigger: Callable[..., Any],
        question: str | Callable[..., str],
        inputs: Sequence[gr.components.Component] = (),
    ) -> None:
        """Wire an event (e.g. `button.click`) to ask `question` in the chat and show the chat."""
        import gradio as gr

        if self.tabs is None or self.question is None or self.chat_chain is None:
            raise RuntimeError("send_to_chat needs the Ask tab to be built first")
        make = question if callable(question) else (lambda *_: question)

        def fill(*values: Any) -> tuple[Any, str]:
            return gr.Tabs(selected=ASK_TAB), make(*values)

        dep = trigger(
            fill,
            inputs=list(inputs),
            outputs=[self.tabs, self.question],
            queue=False,
            api_visibility="private",
        )
        self.chat_chain(dep)

    def restrict_chat(
        self,
        trigger: Callable[..., Any],
        source_id: Callable[..., str | None],
        inputs: Sequence[gr.components.Component] = (),
    ) -> None:
        """Wire an event to restrict the chat to one source (None lifts it) and show the chat."""
        import gradio as gr

        if self.tabs is None or self.source is None:
            raise RuntimeError("restrict_chat needs the Ask tab to be built first")

        def pick(*values: Any) -> tuple[Any, Any]:
            return gr.Tabs(selected=ASK_TAB), gr.Dropdown(value=source_id(*values) or "")

        trigger(
            pick,
            inputs=list(inputs),
            outputs=[self.tabs, self.source],
            queue=False,
            api_visibility="private",
        )
