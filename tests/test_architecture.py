"""The package's shape: data flows one way, with no import cycle, and the answer package is used
only through its public surface."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.settings import ROOT

BOT = ROOT / "bot"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, runtime_only: bool) -> set[str]:
    """The bot modules a file imports (at run time only, or counting type-only imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _type_checking(node):
                skip |= {id(n) for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("bot")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


MODULES = {_module(p): p for p in BOT.rglob("*.py")}


def _graph(runtime_only: bool) -> dict[str, set[str]]:
    return {
        m: {i for i in _imports(p, runtime_only) if i in MODULES and i != m}
        for m, p in MODULES.items()
    }


def test_no_import_cycle_in_bot() -> None:
    graph = _graph(runtime_only=True)
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for n in graph[m]:
            if n.startswith(m + "."):
                continue  # a package importing its own submodules is not a cycle
            if state.get(n) == 1 and not m.startswith(n + "."):
                raise AssertionError(" -> ".join([*trail, m, n]))
            if n not in state:
                visit(n, [*trail, m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])


def test_the_answer_package_never_imports_the_layers_above_it() -> None:
    above = ("bot.service", "bot.debate", "bot.brief", "bot.ui", "bot.cli", "bot.conversation")
    for m, path in MODULES.items():
        if m.startswith("bot.answer"):
            bad = {i for i in _imports(path, runtime_only=False) if i.startswith(above)}
            assert not bad, f"{m} imports {sorted(bad)}"


def test_outside_the_answer_package_only_its_public_surface_is_used() -> None:
    import bot.answer

    public = set(bot.answer.__all__)
    for m, path in MODULES.items():
        if m.startswith("bot.answer"):
            continue
        for i in _imports(path, runtime_only=False):
            if i.startswith("bot.answer."):
                name = i.removeprefix("bot.answer.")
                assert name in public, f"{m} reaches into bot.answer.{name}"
