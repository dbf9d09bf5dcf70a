"""fleet/ sits between the service and the loop: it never imports the service, the
command line or the daemon, and its planning, reports, coordinator and log context are
pure (no boto3), so config-level callers and the leases module can use them cheaply."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .test_config_imports import PACKAGE, modules, project_imports

PURE = ("targets.py", "report.py", "coordinator.py", "logcontext.py", "runner.py",
        "lease_plan.py")
ABOVE = ("dynamic_dynamodb.service", "dynamic_dynamodb.cli", "dynamic_dynamodb.status")


def third_party(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", modules("fleet"), ids=lambda p: p.name)
def test_fleet_never_imports_the_layers_above_it(path: Path) -> None:
    assert {name for name in project_imports(path) if name.startswith(ABOVE)} == set()


@pytest.mark.parametrize("name", PURE)
def test_the_pure_parts_of_fleet_import_no_aws_library(name: str) -> None:
    assert not {"boto3", "botocore"} & third_party(PACKAGE / "fleet" / name)
    assert not {n for n in project_imports(PACKAGE / "fleet" / name)
                if n.startswith("dynamic_dynamodb.aws")}
