"""Set-up shared by every test: import this checkout, and never reach real AWS."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# The package need not be installed (plain `pytest` puts only tests/ on sys.path).
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dynamic_dynamodb.localaws.environment import aws_env_vars  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: talks HTTP to the local AWS-API launcher on 127.0.0.1"
    )


@pytest.fixture(scope="session")
def aws_scratch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose files do not exist: home of the dummy AWS config/credentials paths."""
    return tmp_path_factory.mktemp("aws-scratch")


@pytest.fixture(autouse=True)
def _isolated_from_real_aws(monkeypatch: pytest.MonkeyPatch, aws_scratch_dir: Path) -> None:
    """Dummy credentials, no profile, no endpoint: a stray boto3 call can never touch an account.

    Every AWS_* variable of the machine (profiles, tokens, AWS_ENDPOINT_URL_*, retry
    settings) is removed so that results do not depend on who runs the tests.
    """
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in aws_env_vars(None, aws_scratch_dir).items():
        monkeypatch.setenv(name, value)
