"""The checks a change must pass besides its tests: lint, types, the layering contract of
../shared/ARCHITECTURE.md (import-linter, in pyproject.toml) and branch coverage of the
pure core. They run in the suite so CI enforces them; each runs its tool as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The pure core is decided by its own unit tests (tests/unit/core); this much of its
# branches they must reach.
CORE_BRANCH_COVERAGE = 95


def run(*command: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env)


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed next to {sys.executable}: "
                    f"pip install -e '.[test]'")
    return str(path)


def test_ruff_finds_nothing() -> None:
    result = run(tool("ruff"), "check", "dynamic_dynamodb", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_with_core_and_config_strict() -> None:
    result = run(sys.executable, "-m", "mypy", "dynamic_dynamodb")
    assert result.returncode == 0, result.stdout + result.stderr


def test_layers_point_down_and_no_module_cycles() -> None:
    result = run(tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_branch_coverage_by_its_own_unit_tests() -> None:
    result = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "tests/unit/core", "--cov=dynamic_dynamodb.core", "--cov-branch",
                 "--cov-report=term-missing:skip-covered",
                 f"--cov-fail-under={CORE_BRANCH_COVERAGE}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
