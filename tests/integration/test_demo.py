"""``dynamic-dynamodb demo`` as a new user runs it: exit 0, a readable story, an explanation."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dynamic_dynamodb.localaws.environment import isolated_environ

from .clitools import run_cli


def test_demo_runs_folds_repeats_and_explains_the_end(aws_scratch_dir: Path) -> None:
    env = isolated_environ(os.environ, None, aws_scratch_dir)

    result = run_cli(["demo", "--speed", "0"], env, timeout=180)

    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert any(line.startswith("done: 60 simulated minutes") for line in lines)
    assert any(re.match(r"why (reads|writes) stay at \d+ for [\d.]+ units/s", ln) for ln in lines)
    shown = [line for line in lines if re.match(r"\d\d:\d\d  demand", line)]
    folded = [int(n) for n in re.findall(r"\(same for (\d+) more minute", result.stdout)]
    assert folded and len(shown) + sum(folded) == 60  # every minute, repeats folded
    # The demo's utilisation (served / capacity in force) is what the daemon read: each
    # cycle sees the minute just served, not one served under an older capacity.
    pairs = re.findall(r"\(\s*([\d.]+) % used\) .*?: consumed ([\d.]+) %", result.stdout)
    assert len(pairs) > 20 and all(used == consumed for used, consumed in pairs)
