"""The package's import graph keeps its layers: CLI -> phases -> engines -> state.

Every `import` counts, also those inside functions (the commands import lazily to start fast), so a cycle
such as `cli/app.py` <-> a command cannot come back unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "orchestrator" / "tapestry"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its code; `from a import b` counts as a and a.b."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}


def importers_of(target: str, among: str = "tapestry") -> list[str]:
    return sorted(
        name
        for name, imported in MODULES.items()
        if name.startswith(among) and any(i == target or i.startswith(f"{target}.") for i in imported)
    )


def test_the_import_graph_was_read() -> None:
    """The checks below would pass on an empty graph; this one cannot."""
    assert "tapestry.cli.commands.run" in MODULES
    assert "tapestry.cli.common" in MODULES["tapestry.cli.commands.run"]
    assert importers_of("tapestry.cli.app") == ["tapestry.__main__"]
    assert importers_of("tapestry.cli.root") == ["tapestry.cli.app"]


@pytest.mark.parametrize("command", sorted(m for m in MODULES if m.startswith("tapestry.cli.commands.")))
def test_no_command_imports_the_app(command: str) -> None:
    """Commands take their shared options from tapestry.cli.common; importing the app that imports every
    command would be a cycle."""
    apps = ("tapestry.cli.app", "tapestry.cli.root")
    assert not {i for i in MODULES[command] if i in apps or i.startswith(tuple(f"{a}." for a in apps))}


def test_only_the_cli_imports_the_cli() -> None:
    outside = [m for m in importers_of("tapestry.cli") if not m.startswith("tapestry.cli")]
    assert outside == ["tapestry.__main__"]


def test_questionary_is_imported_by_the_cli_only() -> None:
    users = importers_of("questionary")
    assert users and all(m.startswith("tapestry.cli") for m in users), users


def test_engines_import_neither_upper_layers_nor_each_other() -> None:
    problems = []
    for name, imported in MODULES.items():
        if not name.startswith("tapestry.engines."):
            continue
        engine = ".".join(name.split(".")[:3])
        for target in imported:
            if not target.startswith("tapestry.") or target.startswith((f"{engine}.", "tapestry.core")):
                continue
            if target in (engine, "tapestry.engines", "tapestry.resources", "tapestry.resources.bundled"):
                continue
            problems.append(f"{name} imports {target}")
    assert problems == []


def test_state_never_imports_phases_engines_or_the_cli() -> None:
    above = ("tapestry.phases", "tapestry.engines", "tapestry.cli", "tapestry.dashboard", "tapestry.targets")
    problems = [
        f"{name} imports {target}"
        for name, imported in MODULES.items()
        if name.startswith("tapestry.project")
        for target in imported
        if target.startswith(above)
    ]
    assert problems == []
