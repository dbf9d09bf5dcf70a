"""Fixtures for tests that talk real HTTP to the local AWS-API launcher (moto + DynamoDB rules).

``launcher_process`` (session) runs ``python -m dynamic_dynamodb.localaws --port 0``
once; ``launcher`` resets its state (moto's data, faults, clock, counters) before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamic_dynamodb.localaws.childprocess import LauncherProcess
from dynamic_dynamodb.localaws.control import LauncherControl
from dynamic_dynamodb.localaws.environment import isolated_environ

# One attempt per call: tests see each injected error instead of botocore's retries.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def launcher_process(aws_scratch_dir: Path) -> Iterator[LauncherProcess]:
    """The launcher as a child process on a free port of 127.0.0.1, for the whole session."""
    env = isolated_environ(os.environ, None, aws_scratch_dir)
    with LauncherProcess(host="127.0.0.1", port=0, env=env) as process:
        yield process


@pytest.fixture(scope="session")
def launcher_url(launcher_process: LauncherProcess) -> str:
    """Base URL of the session's launcher, e.g. ``http://127.0.0.1:54321``."""
    return launcher_process.url


@pytest.fixture
def launcher(launcher_url: str) -> LauncherControl:
    """Control client of a launcher reset to a clean state (empty moto, no faults, real time)."""
    control = LauncherControl(launcher_url)
    control.reset()
    return control


@pytest.fixture
def aws_env(
    launcher: LauncherControl,
    launcher_url: str,
    aws_scratch_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Full environment for a subprocess (``subprocess.run(..., env=aws_env)``) that reaches
    the launcher through ``AWS_ENDPOINT_URL`` with dummy credentials; also applied to
    ``os.environ`` for in-process boto3 for the duration of the test."""
    env = isolated_environ(os.environ, launcher_url, aws_scratch_dir)
    for name in [n for n in os.environ if n not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def dynamodb_client(aws_env: dict[str, str]) -> Any:
    """boto3 DynamoDB client on the launcher (endpoint from the environment), no retries."""
    return boto3.client("dynamodb", config=NO_RETRIES)


@pytest.fixture
def cloudwatch_client(aws_env: dict[str, str]) -> Any:
    """boto3 CloudWatch client on the launcher (endpoint from the environment), no retries."""
    return boto3.client("cloudwatch", config=NO_RETRIES)


@pytest.fixture
def cli(aws_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """The CLI run as real processes in ``tmp_path`` (two tables made); every daemon a test
    leaves behind is killed afterwards."""
    from .daemon_support import Cli, kill_quietly, make_tables, read

    make_tables()
    runner = Cli(aws_env, tmp_path)
    yield runner
    for pid_file in tmp_path.glob("dynamic-dynamodb.*.pid"):
        text = read(pid_file).strip()
        if text.isdigit():
            kill_quietly(int(text))
