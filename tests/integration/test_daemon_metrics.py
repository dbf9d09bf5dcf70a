"""``--metrics-port``: a real daemon process serving Prometheus metrics over HTTP."""

from __future__ import annotations

import re
import signal
import socket
import urllib.request
from pathlib import Path

import pytest

from dynamic_dynamodb.localaws.control import LauncherControl

from .daemon_support import Cli, make_tables, read, stopping, wait_for, write_config

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def cli(aws_env: dict[str, str], tmp_path: Path) -> Cli:
    make_tables()
    return Cli(aws_env, tmp_path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scrape(port: int) -> dict[str, float]:
    """Samples by ``name{labels}`` as the text exposition format writes them."""
    try:
        with _OPENER.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return {}
    samples = {}
    for line in text.splitlines():
        match = re.match(r"^(dynamic_dynamodb_\S+) (\S+)$", line)
        if match:
            samples[match.group(1)] = float(match.group(2))
    return samples


# Every series names its target: without account sections, the one default target.
TARGET = 'target="default/us-east-1"'


def _after_cycles(port: int, cycles: int) -> dict[str, float]:
    samples = _scrape(port)
    done = samples.get(f"dynamic_dynamodb_cycle_duration_seconds_count{{{TARGET}}}", 0)
    return samples if done >= cycles else {}


def test_metrics_describe_cycles_decisions_capacity_errors_and_calls(
        cli: Cli, tmp_path: Path, launcher: LauncherControl) -> None:
    launcher.inject_fault("dynamodb", "DescribeTable", "throttling", table="b-orders")
    log = tmp_path / "dd.log"
    port = _free_port()
    config = write_config(tmp_path / "dd.conf", log)
    with stopping(cli.popen("-c", str(config), "--metrics-port", str(port))) as process:
        # Cycle 1: b-orders is throttled; cycle 2: it is increased.
        wait_for(lambda: "b-orders: reads 10 (95.0 % used) -> 15" in read(log),
                 what="b-orders' retry")
        samples = wait_for(lambda: _after_cycles(port, 2), what="two cycles in the metrics")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0

    assert samples[f'dynamic_dynamodb_cycles_total{{result="partial",{TARGET}}}'] == 1
    assert samples[f'dynamic_dynamodb_cycles_total{{result="ok",{TARGET}}}'] >= 1
    assert samples[f"dynamic_dynamodb_cycle_duration_seconds_count{{{TARGET}}}"] >= 2
    assert samples[f'dynamic_dynamodb_errors_total{{kind="ThrottlingException",{TARGET}}}'] \
        == 1
    assert samples[f'dynamic_dynamodb_decisions_total{{decision="increase",dimension="reads",'
                   f'{TARGET}}}'] == 2
    assert samples[f'dynamic_dynamodb_changes_applied_total{{decision="increase",'
                   f'dimension="reads",{TARGET}}}'] == 2
    table = f'dimension="reads",index="",table="a-orders",{TARGET}'
    assert samples[f"dynamic_dynamodb_provisioned_capacity_units{{{table}}}"] == 15
    assert samples[f"dynamic_dynamodb_consumed_capacity_units{{{table}}}"] == 9.5
    assert samples[f'dynamic_dynamodb_aws_calls_total{{operation="dynamodb.DescribeTable",'
                   f'{TARGET}}}'] >= 3
    assert samples[f"dynamic_dynamodb_last_cycle_timestamp_seconds{{{TARGET}}}"] > 0


def test_metrics_without_prometheus_client_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "prometheus_client"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('not installed (test)')\n")
    pythonpath = f"{shadow.parent}:{cli.env['PYTHONPATH']}"

    result = cli.run("--table-name", "a-orders", "--metrics-port", str(_free_port()),
                     "--run-once", env={"PYTHONPATH": pythonpath})

    assert result.returncode == 2
    assert "pip install 'dynamic-dynamodb[metrics]'" in result.stderr
    assert "Traceback" not in result.stderr
