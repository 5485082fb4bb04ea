"""The layout rules of kyosai/: imports only point down (no cycle), modules stay small, and
streamlit stays in kyosai/ui/. Read from the source with `ast`, so the rules stay enforced."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kyosai"
MAX_LINES = 400


def module_name(path: Path) -> str:
    """The dotted name of a module file under kyosai/ (a package is its __init__)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_names(path: Path) -> Iterator[str]:
    """Every module an import statement in the file names, wherever it stands (a lazy import
    inside a function and one under TYPE_CHECKING count too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from kyosai.store import backups` imports the submodule kyosai.store.backups;
            # only names that are not modules come from the package's __init__ itself.
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            yield from (m for m in submodules if m in MODULES)
            if any(m not in MODULES for m in submodules):
                yield base


def import_graph() -> dict[str, set[str]]:
    """kyosai module → the kyosai modules it imports."""
    return {
        name: {target for target in imported_names(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_kyosai_has_no_import_cycle() -> None:
    assert find_cycle(import_graph()) is None, " → ".join(find_cycle(import_graph()) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The check above can only pass meaningfully if this one finds what it is shown.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_inside_functions_are_seen() -> None:
    graph = import_graph()
    # kyosai.cli.tables imports the pack lazily (it pulls in vl-convert): still an edge.
    assert "kyosai.pack" in graph["kyosai.cli.tables"]
    assert "kyosai.store.backups" in graph["kyosai.store.writes"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concern"


def test_streamlit_only_in_kyosai_ui() -> None:
    offenders = [
        name
        for name, path in MODULES.items()
        if not name.startswith("kyosai.ui")
        and any(target.split(".")[0] == "streamlit" for target in imported_names(path))
    ]
    assert offenders == []


def test_vl_convert_only_where_a_png_is_made() -> None:
    users = sorted(
        name
        for name, path in MODULES.items()
        if any(target.split(".")[0] == "vl_convert" for target in imported_names(path))
    )
    assert users == ["kyosai.chart_png"]


def test_readme_module_map_names_every_module() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    layout = readme.split("### Layout", 1)[1].split("```")[1]
    words = set(re.findall(r"[A-Za-z_]+", layout))
    missing = [
        name
        for name in MODULES
        if name != "kyosai" and not name.endswith("__main__") and name.split(".")[-1] not in words
    ]
    assert missing == [], "add these to the README's module map"
