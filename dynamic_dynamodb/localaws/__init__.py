"""Test support: a local AWS-API server (moto + DynamoDB's real UpdateTable rules).

Used by the integration tests, the ``demo`` command and the benchmarks. Importing this
package never imports moto or werkzeug; they load when a server is built.
"""

from dynamic_dynamodb.localaws.control import LauncherControl, LauncherError
from dynamic_dynamodb.localaws.launcher import (
    LauncherProcess,
    LocalAws,
    aws_env_vars,
    build_app,
    isolated_environ,
)
from dynamic_dynamodb.localaws.seed import create_table, metric_timestamps, seed_metrics

__all__ = [
    "LauncherControl",
    "LauncherError",
    "LauncherProcess",
    "LocalAws",
    "aws_env_vars",
    "build_app",
    "isolated_environ",
    "create_table",
    "metric_timestamps",
    "seed_metrics",
]
