"""Logs as a user gets them: a file, JSON lines, a fileConfig file, and never a secret."""

from __future__ import annotations

import json
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from .breaker_server import BreakerService
from .daemon_support import Cli, make_tables, read, stopping, wait_for, write_config

SECRET_KEY = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzz-TEST"


@pytest.fixture
def cli(aws_env: dict[str, str], tmp_path: Path) -> Cli:
    make_tables()
    return Cli(aws_env, tmp_path)


@pytest.fixture
def breaker() -> Iterator[BreakerService]:
    service = BreakerService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


def _run_once(cli: Cli, *args: str) -> str:
    result = cli.run("--table-name", "^(a|b)-orders$", "--reads-upper-threshold", "90",
                     "--run-once", *args)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_no_secret_is_ever_logged(cli: Cli, tmp_path: Path, breaker: BreakerService) -> None:
    """Debug level, a secret key on the command line, and a breaker URL whose password is
    refused (so the URL itself is logged as the reason the breaker is open)."""
    log = tmp_path / "dd.log"
    password = "wrong-pa55word"
    url = breaker.url.replace("http://", f"http://user:{password}@") + "/auth"

    _run_once(cli, "--log-file", str(log), "--log-level", "debug",
              "--aws-access-key-id", "AKIDTESTING", "--aws-secret-access-key", SECRET_KEY,
              "--circuit-breaker-url", url)

    text = read(log)
    assert "a-orders: reads 10 (95.0 % used) -> 15" in text  # the run did log
    assert SECRET_KEY not in text
    assert password not in text
    assert "circuit breaker open: http://user:***@127.0.0.1" in text


def test_json_log_lines(cli: Cli, tmp_path: Path) -> None:
    log = tmp_path / "dd.json"

    _run_once(cli, "--log-file", str(log), "--log-format", "json")

    entries = [json.loads(line) for line in read(log).splitlines()]
    assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    tables = [e for e in entries if e["message"].startswith(("a-orders:", "b-orders:"))]
    assert [e["message"].split(":")[0] for e in tables] == ["a-orders", "b-orders"]
    assert (tables[0]["level"], tables[0]["logger"]) == ("info", "dynamic_dynamodb")
    assert "reads 10 (95.0 % used) -> 15: consumed 95.0 % > upper threshold 90 %" \
        in tables[0]["message"]


def test_log_to_stderr_without_a_log_file(cli: Cli) -> None:
    stderr = _run_once(cli)
    assert "INFO dynamic_dynamodb: a-orders: reads 10 (95.0 % used) -> 15" in stderr


def test_log_config_file_as_the_original(cli: Cli, tmp_path: Path) -> None:
    log = tmp_path / "custom.log"
    config = tmp_path / "logging.conf"
    config.write_text(f"""
[loggers]
keys=root
[handlers]
keys=file
[formatters]
keys=short
[logger_root]
level=INFO
handlers=file
[handler_file]
class=FileHandler
formatter=short
args=({str(log)!r},)
[formatter_short]
format=CUSTOM %(levelname)s %(message)s
""")

    _run_once(cli, "--log-config-file", str(config))

    lines = read(log).splitlines()
    assert "CUSTOM INFO a-orders: reads 10 (95.0 % used) -> 15" in "\n".join(lines)
    assert all(line.startswith("CUSTOM ") for line in lines if line.strip())


def test_a_deleted_log_directory_is_made_again_mid_run(cli: Cli, tmp_path: Path) -> None:
    """A foreground run whose log directory is deleted between cycles logs the next
    cycle to a new file in a new directory, without a reload, and exits 0 on SIGTERM."""
    directory = tmp_path / "logs"
    directory.mkdir()
    log = directory / "dd.log"
    config = write_config(tmp_path / "dd.conf", log, check_interval=1)
    process = cli.popen("-c", str(config), "--daemon", "fg", "--pid-file-dir",
                        str(tmp_path))
    with stopping(process):
        wait_for(lambda: "b-orders: reads" in read(log), what="the first cycle")
        shutil.rmtree(directory)

        wait_for(lambda: "b-orders: reads" in read(log), what="a cycle logged after the rmtree")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        stderr = process.stderr.read() if process.stderr else ""

    assert "Traceback" not in stderr
    assert "stopped on SIGTERM" in read(log)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ", read(log))
