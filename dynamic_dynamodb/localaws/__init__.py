"""The local AWS: moto's server plus DynamoDB's real UpdateTable rules, faults and a control API.

The ``demo`` command, the integration tests and the benchmarks run on it, and so can a
user who wants to try the daemon without an account (README: "Running the daemon against
the local AWS"). Importing this package never imports moto or werkzeug; they load when a
server is built.

Modules, one job each: ``clock`` (settable time), ``update_rules`` (DynamoDB's decrease
budget, UPDATING, quota), ``wire`` (requests and replies per protocol), ``faults`` (fault
injection: errors, hangs and answer mutations; the fault fields of the control API),
``mutations`` and ``jsonpath`` (bending a real answer), ``app`` (the WSGI app),
``control_api``/``control`` (the control API, server and client), ``inprocess`` and
``childprocess`` (running it), ``environment`` (AWS_* variables), ``command`` (the command
line), ``seed`` (tables and metrics), ``fast_cloudwatch`` (a fast CloudWatch for
benchmarks).
"""

from dynamic_dynamodb.localaws.app import LauncherApp, build_app
from dynamic_dynamodb.localaws.childprocess import LauncherProcess
from dynamic_dynamodb.localaws.control import LauncherControl, LauncherError
from dynamic_dynamodb.localaws.environment import aws_env_vars, isolated_environ
from dynamic_dynamodb.localaws.inprocess import LocalAws
from dynamic_dynamodb.localaws.seed import create_table, metric_timestamps, seed_metrics

__all__ = [
    "LauncherApp",
    "LauncherControl",
    "LauncherError",
    "LauncherProcess",
    "LocalAws",
    "aws_env_vars",
    "build_app",
    "create_table",
    "isolated_environ",
    "metric_timestamps",
    "seed_metrics",
]
