"""Templates and phrases from `prompts/`: each template declares its variables, checked at load.

A template file starts with a front-matter block:

    ---
    variables: [question, passages]
    description: why this template exists
    ---
    Jinja2 body ...

Rendering with a variable missing or not declared raises PromptError, so a broken template fails
when it is loaded (tests load them all), not at the first user's question.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, meta

from bot.settings import ROOT

PROMPTS_DIR = ROOT / "prompts"


class PromptError(ValueError):
    """A template whose declared variables and body disagree, or a render that breaks them."""


def _env(autoescape: bool) -> Environment:
    return Environment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class Template:
    """A checked Jinja2 template."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        if not text.startswith("---"):
            raise PromptError(f"prompt '{name}': missing front matter with `variables:`")
        _, head, body = text.split("---", 2)
        header = yaml.safe_load(head) or {}
        self.variables: set[str] = set(header.get("variables") or [])
        self.description: str = header.get("description", "")
        self.body = body.lstrip("\n")
        env = _env(autoescape=name.endswith(".html.j2"))
        used = meta.find_undeclared_variables(env.parse(self.body))
        if used - self.variables:
            raise PromptError(
                f"prompt '{name}': uses undeclared variables {sorted(used - self.variables)}"
            )
        if self.variables - used:
            raise PromptError(
                f"prompt '{name}': declares unused variables {sorted(self.variables - used)}"
            )
        self._template = env.from_string(self.body)

    def render(self, **values: Any) -> str:
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing or unknown:
            raise PromptError(
                f"prompt '{self.name}': missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        return self._template.render(**values)


@lru_cache(maxsize=128)
def template(name: str, folder: Path = PROMPTS_DIR) -> Template:
    """Load `prompts/<name>` (e.g. 'answer/offline.md.j2')."""
    path = folder / name
    if not path.exists():
        raise PromptError(f"no prompt named '{name}' in {folder}")
    return Template(name, path.read_text(encoding="utf-8"))


def render(name: str, **values: Any) -> str:
    return template(name).render(**values)


@lru_cache(maxsize=16)
def data_file(name: str) -> dict[str, Any]:
    """A YAML file of words under prompts/ (e.g. 'ui/text.yaml'), read once per process."""
    return yaml.safe_load((PROMPTS_DIR / name).read_text(encoding="utf-8")) or {}


def lookup(file: str, key: str, what: str, strip: bool = False, /, **values: Any) -> str:
    """Entry `key` of prompts/<file>, filled with `values`; a missing key names the file.

    `what` says what the entry is, for the error ("phrase", "UI text"). The parameters are
    positional-only so any name, "name" included, can be a template value.
    """
    data = data_file(file)
    if key not in data:
        raise PromptError(f"no {what} named '{key}' in prompts/{file}")
    value = str(data[key]).strip() if strip else str(data[key])
    return value.format(**values) if values else value


def phrase(key: str, **values: Any) -> str:
    """A shared user-facing sentence, named once (e.g. 'not_in_reading_list')."""
    return lookup("phrases.yaml", key, "phrase", True, **values)


def all_templates(folder: Path = PROMPTS_DIR) -> list[str]:
    """Every template under prompts/, so a test can load them all."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.j2"))
