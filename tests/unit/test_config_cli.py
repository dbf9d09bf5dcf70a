"""The command line with --config: a bad file exits 2 with the whole report on stderr
and no traceback; --show-config prints JSON with secrets masked and exits 0."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dynamic_dynamodb.cli import main

ROOT = Path(__file__).resolve().parents[2]

BAD = """\
    [global]
    aws-access-key-id: AKIAEXAMPLEKEYID
    aws-secret-access-key-id: wJalrXUtnFEMIsecret
    check-interval: soon
    [table: ^t$]
    reads-upper-threshhold: 80
    circuit-breaker-url: ftp://ops:hunter2@status/
    """

GOOD = """\
    [global]
    region: eu-west-1
    aws-access-key-id: AKIAEXAMPLEKEYID
    aws-secret-access-key-id: wJalrXUtnFEMIsecret
    circuit-breaker-url: https://ops:hunter2@status.example.com/ok
    [default_options]
    reads-upper-threshold: 80
    [table: ^t$]
    [gsi: ^i$ table: ^t$]
    """


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    out, err = capsys.readouterr()
    return int(excinfo.value.code or 0), out, err


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "dd.conf"
    path.write_text(textwrap.dedent(text))
    return str(path)


@pytest.mark.parametrize("extra", [[], ["--run-once"], ["--show-config"], ["--dry-run"]],
                         ids=["run", "run-once", "show-config", "dry-run"])
def test_bad_file_exits_2_with_every_problem_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    code, out, err = run(["--config", write(tmp_path, BAD), *extra], capsys)

    assert code == 2
    assert out == ""
    assert err.startswith("configuration error: 3 problems\n")
    assert "check-interval = 'soon': expected an integer" in err
    assert "did you mean reads-upper-threshold?" in err
    assert "circuit-breaker-url = 'ftp://ops:***@status/'" in err
    assert "Traceback" not in err
    for secret in ("AKIAEXAMPLEKEYID", "wJalrXUtnFEMIsecret", "hunter2"):
        assert secret not in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["-c", str(tmp_path / "nope.conf"), "--run-once"], capsys)

    assert code == 2
    assert err == f"configuration error: {tmp_path / 'nope.conf'}: configuration file not found\n"


def test_show_config_prints_json_with_secrets_masked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["-c", write(tmp_path, GOOD), "--show-config"], capsys)

    shown = json.loads(out)
    assert code == 0
    assert shown["global"]["aws-access-key-id"] == "***"
    assert shown["global"]["aws-secret-access-key"] == "***"
    assert shown["tables"][0]["gsis"][0]["circuit-breaker-url"] == (
        "https://ops:***@status.example.com/ok")
    for secret in ("AKIAEXAMPLEKEYID", "wJalrXUtnFEMIsecret", "hunter2"):
        assert secret not in out + err


def test_flags_override_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["-c", write(tmp_path, GOOD), "--reads-upper-threshold", "95",
                        "--region", "us-west-2", "--show-config"], capsys)

    shown = json.loads(out)
    assert code == 0
    assert shown["global"]["region"] == "us-west-2"
    assert shown["tables"][0]["reads-upper-threshold"] == 95.0
    assert shown["tables"][0]["gsis"][0]["reads-upper-threshold"] == 95.0


def test_table_name_replaces_the_files_tables(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["-c", write(tmp_path, GOOD), "-t", "^other$", "--show-config"], capsys)

    tables = json.loads(out)["tables"]
    assert code == 0
    assert [(t["key"], t["reads-upper-threshold"], t["gsis"]) for t in tables] == [
        ("^other$", 80.0, [])]


def test_bad_file_as_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dynamic_dynamodb", "--config", write(tmp_path, BAD),
         "--run-once"],
        capture_output=True, text=True, timeout=60, cwd=ROOT)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "configuration error: 3 problems" in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr
