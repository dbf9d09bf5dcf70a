"""Environment variables that point boto3 (and the aws CLI) at a local AWS, and only there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# The dummy keys every local server accepts (none of them checks signatures).
DUMMY_KEY = "testing"


def aws_env_vars(
    url: str | None, scratch_dir: str | os.PathLike[str], region: str = "us-east-1"
) -> dict[str, str]:
    """Variables that point boto3 (and the CLI) at ``url`` with dummy credentials.

    AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name files that do not exist in
    ``scratch_dir``, so no profile of the machine running the tests can leak in. With
    ``url=None`` there is no endpoint: a stray call fails instead of reaching AWS.
    """
    scratch = Path(scratch_dir)
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    env = {
        "AWS_ACCESS_KEY_ID": DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(scratch / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Loopback must never go through a proxy configured for the internet.
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }
    if url is not None:
        env["AWS_ENDPOINT_URL"] = url
    return env


def isolated_environ(
    base: Mapping[str, str],
    url: str | None,
    scratch_dir: str | os.PathLike[str],
    region: str = "us-east-1",
) -> dict[str, str]:
    """``base`` without any AWS_* variable (profiles, tokens, per-service endpoints, retry
    settings...), plus :func:`aws_env_vars`: a complete environment for a child process."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(aws_env_vars(url, scratch_dir, region))
    return env
