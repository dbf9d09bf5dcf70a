"""The decision core stays pure: no I/O libraries, no clock (ARCHITECTURE.md rule 1)."""

import ast
import pathlib
import sys

import pytest

CORE = pathlib.Path(__file__).resolve().parents[3] / "dynamic_dynamodb" / "core"
FORBIDDEN_MODULES = {
    "boto3",
    "botocore",
    "click",
    "daemon",
    "requests",
    "socket",
    "urllib",
    "http",
    "subprocess",
    "threading",
    "logging",
    "time",
}
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("time", "time"),
    ("time", "monotonic"),
    ("date", "today"),
}


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_module_is_pure(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name):
                assert (owner.id, node.func.attr) not in FORBIDDEN_CALLS, (
                    f"{path.name} calls {owner.id}.{node.func.attr}()"
                )


def test_core_modules_found():
    assert len(list(CORE.glob("*.py"))) >= 6


# The project's modules core/ may import: its own, and the frozen settings it reads.
ALLOWED_PROJECT = ("dynamic_dynamodb.core", "dynamic_dynamodb.settings")


def _imported(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_itself_settings_and_the_standard_library(path):
    for name in _imported(ast.parse(path.read_text())):
        top = name.split(".")[0]
        if top == "dynamic_dynamodb":
            assert name.startswith(ALLOWED_PROJECT), f"{path.name} imports {name}"
        else:
            assert top == "__future__" or top in sys.stdlib_module_names, (
                f"{path.name} imports {name}, which is not in the standard library")
