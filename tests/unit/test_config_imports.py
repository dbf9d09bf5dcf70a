"""Layers point down: config/ reads only the settings, errors and masking leaves (never aws,
core, breaker, loop, cli or another runtime module), and core/ never reads config/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dynamic_dynamodb"
CONFIG_MAY_IMPORT = ("dynamic_dynamodb.settings", "dynamic_dynamodb.errors",
                     "dynamic_dynamodb.masking", "dynamic_dynamodb.config")


def project_imports(path: Path) -> set[str]:
    """Every dynamic_dynamodb module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("dynamic_dynamodb")}


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).glob("*.py"))


def allowed_for_config(name: str) -> bool:
    return name == "dynamic_dynamodb" or any(
        name == allowed or name.startswith(allowed + ".") for allowed in CONFIG_MAY_IMPORT)


@pytest.mark.parametrize("path", modules("config"), ids=lambda p: p.name)
def test_config_imports_only_leaves_and_itself(path: Path) -> None:
    assert {name for name in project_imports(path) if not allowed_for_config(name)} == set()


@pytest.mark.parametrize("leaf", ["masking.py", "settings.py", "errors.py"])
def test_the_leaves_import_nothing_of_the_project(leaf: str) -> None:
    assert project_imports(PACKAGE / leaf) == set()


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: p.name)
def test_core_never_imports_config(path: Path) -> None:
    assert {name for name in project_imports(path)
            if name.startswith("dynamic_dynamodb.config")} == set()


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from dynamic_dynamodb.breaker import probe\n")

    assert not all(allowed_for_config(name) for name in project_imports(bad))
