"""The fault matrix (issue 11 item 10): for each fault of fault_rows.ROWS, the real daemon
against the local AWS, and what must hold.

One daemon process (a foreground run, one hour between cycles) serves the daemon rows in
turn: each row makes its own tables (its number in their names, so nothing the daemon
remembers about one row reaches another), arms its faults, and has the daemon run a
cycle now (SIGHUP: the configuration is read again, so a row can set the breaker or an
option, and the next cycle starts at once; systemd's STATUS tells when it ended). Then
the faults are cleared and a second cycle runs clean. A run-once row runs two
``--run-once`` processes instead (faulty, clean): for faults that need another
environment (an endpoint that refuses connections) or an exit code to check.

For every row: each fault bit; the daemon is still up (or the run-once exited with the
row's code, then 0); while the faults lasted no resource took a capacity other than its
starting one or its normal one, the ``held`` ones kept their starting one, nothing left
the configured bounds, the throttled dimension never went down and the table outside
the regex was never touched (all read back with DescribeTable); after the clean cycle
everything is at its normal capacity; and no output holds the configured secret key or
the breaker's password, nor a traceback.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamic_dynamodb.localaws import LauncherControl, create_table, seed_metrics
from dynamic_dynamodb.localaws.environment import isolated_environ

from . import fault_rows as rows
from .breaker_server import BreakerService
from .daemon_support import ROOT, NotifyListener, read, wait_for
from .fault_rows import GSI, INITIAL, MATCHED, NORMAL, ROWS, THROTTLED, UNTOUCHED, Row

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYMATRIXSECRET"
# What must never be printed: the secret key, the breaker's password and its header.
SECRETS = (SECRET_KEY, "s3cret", BreakerService.AUTH.split()[1])
MATCHING = r"^m\d+-(hot|cold|throttled)$"
CYCLE_TIMEOUT = 90.0  # seconds: a cycle with a fault that hangs, on a loaded machine

CONFIG = """\
[global]
check-interval: 3600
max-attempts: 1
connect-timeout: {timeout}
read-timeout: {timeout}
aws-access-key-id: AKIAMATRIXEXAMPLE
aws-secret-access-key: {secret}
circuit-breaker-timeout: 500
{breaker}
[logging]
log-file: {log}
log-level: info

[table: {matching}]
{bounds}{options}
[gsi: ^by_day$ table: {matching}]
{bounds}{options}"""
BOUNDS = "".join(f"{option}-provisioned-{dim}: {value}\n"
                 for dim in ("reads", "writes")
                 for option, value in (("min", rows.MIN_CAPACITY), ("max", rows.MAX_CAPACITY)))


def write_config(path: Path, log: Path, row: Row, breaker_url: str | None) -> Path:
    breaker = f"circuit-breaker-url: {breaker_url}\n" if breaker_url else ""
    path.write_text(CONFIG.format(timeout=rows.READ_TIMEOUT, secret=SECRET_KEY, breaker=breaker,
                                  log=log, matching=MATCHING, bounds=BOUNDS,
                                  options=row.options))
    return path


# -- the world of one row -----------------------------------------------------------------
@dataclass
class World:
    """The row's tables on the launcher, by role; read back with DescribeTable."""

    number: int
    dynamodb: Any
    cloudwatch: Any
    autoscaling: Any

    def name(self, role: str) -> str:
        table = role.split("/")[0]
        return f"x{self.number:02d}-{table}" if role == UNTOUCHED else f"m{self.number:02d}-{table}"

    def create(self) -> None:
        for role in (*MATCHED, UNTOUCHED):
            table, _, index = role.partition("/")
            reads, writes = INITIAL[role]
            if not index:
                gsis = [(GSI.split("/")[1], *INITIAL[GSI])] if role == rows.COLD else []
                create_table(self.dynamodb, self.name(role), reads, writes, gsis=gsis)
            per_second_reads, per_second_writes, throttles = rows.TRAFFIC[role]
            seed_metrics(self.cloudwatch, self.name(role), index or None,
                         consumed_read_per_second=per_second_reads,
                         consumed_write_per_second=per_second_writes,
                         read_throttles=throttles)
        self._scaling_policy(f"table/{self.name(UNTOUCHED)}")

    def _scaling_policy(self, resource_id: str) -> None:
        dimension = "dynamodb:table:ReadCapacityUnits"
        self.autoscaling.register_scalable_target(
            ServiceNamespace="dynamodb", ResourceId=resource_id, ScalableDimension=dimension,
            MinCapacity=1, MaxCapacity=100)
        self.autoscaling.put_scaling_policy(
            PolicyName="reads", ServiceNamespace="dynamodb", ResourceId=resource_id,
            ScalableDimension=dimension, PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0, "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "DynamoDBReadCapacityUtilization"}})

    def capacities(self) -> dict[str, tuple[int, int] | None]:
        found: dict[str, tuple[int, int] | None] = {}
        for role in (*MATCHED, UNTOUCHED):
            table, _, index = role.partition("/")
            try:
                description = self.dynamodb.describe_table(TableName=self.name(role))["Table"]
            except self.dynamodb.exceptions.ResourceNotFoundException:
                found[role] = None
                continue
            if index:
                description = next(g for g in description["GlobalSecondaryIndexes"]
                                   if g["IndexName"] == index)
            throughput = description["ProvisionedThroughput"]
            found[role] = (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"])
        return found

    def fault(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A row's fault with its role made this world's table name."""
        return {**spec, "table": self.name(spec["table"]) if spec.get("table") else None}


# -- the shared daemon ---------------------------------------------------------------------
class MatrixDaemon:
    """One foreground daemon for the daemon rows; a cycle on demand (SIGHUP)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.log = workdir / "daemon.log"
        self.config = workdir / "daemon.conf"
        self.stdout = workdir / "daemon.out"
        self.stderr = workdir / "daemon.err"
        self.notify = NotifyListener(str(workdir / "notify.sock"))
        self.notify.sock.settimeout(0.02)
        self.env = {**env, "NOTIFY_SOCKET": str(workdir / "notify.sock")}
        self.process: subprocess.Popen[bytes] | None = None
        self.cycles = 0

    def start(self) -> None:
        write_config(self.config, self.log, Row("start", ()), None)
        with open(self.stdout, "ab") as out, open(self.stderr, "ab") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dynamic_dynamodb", "-c", str(self.config)],
                env=self.env, cwd=self.workdir, stdout=out, stderr=err,
                stdin=subprocess.DEVNULL)
        self.cycles = self._wait_for_cycle(0)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cycle(self) -> str:
        """Run one cycle now; the log it wrote."""
        assert self.process is not None
        offset = len(read(self.log))
        self.process.send_signal(signal.SIGHUP)
        self.cycles = self._wait_for_cycle(self.cycles)
        return read(self.log)[offset:]

    def _wait_for_cycle(self, after: int) -> int:
        def ended() -> int:
            assert self.alive, f"the daemon exited: {read(self.stderr)[-2000:]}"
            numbers = [int(n) for m in self.notify.drain()
                       for n in re.findall(r"^STATUS=cycle (\d+)", m, re.MULTILINE)]
            return max([n for n in numbers if n > after], default=0)

        return wait_for(ended, timeout=CYCLE_TIMEOUT, what=f"cycle {after + 1}")

    def outputs(self) -> str:
        return read(self.stdout) + read(self.stderr)

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


@dataclass
class Matrix:
    daemon: MatrixDaemon
    breaker: BreakerService
    other: BreakerService
    env: dict[str, str]
    workdir: Path

    def breaker_url(self, row: Row) -> str | None:
        if row.breaker is None:
            return None
        if row.breaker == "refused":
            return "http://user:s3cret@127.0.0.1:9/ok"
        host, port = self.breaker.server.server_address[:2]
        return f"http://user:s3cret@{host}:{port}{row.breaker}"


@pytest.fixture(scope="module")
def matrix(launcher_url: str, aws_scratch_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    workdir = tmp_path_factory.mktemp("matrix")
    LauncherControl(launcher_url).reset()  # no fault left armed by an earlier test
    env = isolated_environ(os.environ, launcher_url, aws_scratch_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with BreakerService() as other, BreakerService(other) as breaker:
        daemon = MatrixDaemon(workdir, env)
        daemon.start()
        try:
            yield Matrix(daemon, breaker, other, env, workdir)
        finally:
            code = daemon.stop()
    assert code == 0, f"the daemon did not stop cleanly on SIGTERM: {daemon.outputs()[-2000:]}"
    assert not any(secret in read(daemon.log) + daemon.outputs() for secret in SECRETS)


@pytest.fixture
def world(launcher: LauncherControl, launcher_url: str, request: pytest.FixtureRequest) -> World:
    """The row's tables, on a launcher reset for the row."""
    config = Config(retries={"total_max_attempts": 1})
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")
    row: Row = request.node.callspec.params["row"]
    built = World(ROWS.index(row) + 1, *(
        session.client(service, endpoint_url=launcher_url, config=config)
        for service in ("dynamodb", "cloudwatch", "application-autoscaling")))
    built.create()
    return built


# -- the checks ---------------------------------------------------------------------------
def check_while_faulty(row: Row, world: World) -> None:
    """No wrong change: each resource at its starting or its normal capacity, ``held``
    ones at their starting one; inside the bounds; throttled reads never lowered."""
    found = world.capacities()
    assert found[UNTOUCHED] == INITIAL[UNTOUCHED], "a table outside the regex was changed"
    for role in MATCHED:
        capacity = found[role]
        if role in row.gone:
            continue
        assert capacity is not None, f"{role} is gone"
        allowed = {INITIAL[role]} if role in row.held else {INITIAL[role], NORMAL[role]}
        assert capacity in allowed, f"{role}: {capacity}, expected one of {sorted(allowed)}"
        assert all(rows.MIN_CAPACITY <= units <= rows.MAX_CAPACITY for units in capacity)
    throttled = found[THROTTLED]
    assert throttled is not None and throttled[0] >= INITIAL[THROTTLED][0]


def check_normal(row: Row, world: World) -> None:
    found = world.capacities()
    expected = {role: None if role in row.gone else NORMAL[role]
                for role in (*MATCHED, UNTOUCHED)}
    assert found == expected


def check_output(text: str, what: str) -> None:
    assert "Traceback" not in text, f"a traceback in the {what}"
    for secret in SECRETS:
        assert secret not in text, f"a secret in the {what}"


def faults_bit(launcher: LauncherControl, injected: list[dict[str, Any]]) -> None:
    applied = {f["id"]: f["applied"] for f in [*launcher.faults(), *launcher.spent_faults()]}
    for fault in injected:
        assert applied.get(fault["id"], 0) >= 1, f"the fault never bit: {fault}"


# -- the rows -----------------------------------------------------------------------------
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_fault(row: Row, matrix: Matrix, world: World, launcher: LauncherControl) -> None:
    if row.run_once is not None:
        _run_once_row(row, matrix, world, launcher)
    else:
        _daemon_row(row, matrix, world, launcher)
    assert not any("authorization" in r["headers"] for r in matrix.other.requests), \
        "the breaker's credentials were sent to another origin"


def _daemon_row(row: Row, matrix: Matrix, world: World, launcher: LauncherControl) -> None:
    daemon = matrix.daemon
    if not daemon.alive:  # an earlier row killed it: that row failed; this one starts anew
        daemon.start()
    write_config(daemon.config, daemon.log, row, matrix.breaker_url(row))
    injected = launcher.inject_faults(*(world.fault(f) for f in row.faults))

    faulty = daemon.cycle()
    faults_bit(launcher, injected)
    launcher.clear_faults()
    write_config(daemon.config, daemon.log, row, None)  # the breaker answers again
    assert daemon.alive, "the daemon died"
    assert row.logged.format(n=f"{world.number:02d}") in faulty
    check_output(faulty + daemon.outputs(), "log of the faulty cycle")
    check_while_faulty(row, world)

    clean = daemon.cycle()
    assert daemon.alive
    assert row.clean_logged in clean
    check_output(clean, "log of the clean cycle")
    check_normal(row, world)


def _run_once_row(row: Row, matrix: Matrix, world: World, launcher: LauncherControl) -> None:
    workdir = matrix.workdir / row.id
    workdir.mkdir()
    log = workdir / "run-once.log"
    config = write_config(workdir / "run-once.conf", log, row, matrix.breaker_url(row))
    injected = launcher.inject_faults(*(world.fault(f) for f in row.faults))

    faulty = _run_once(config, {**matrix.env, **row.env}, workdir)
    faults_bit(launcher, injected)
    launcher.clear_faults()
    write_config(config, log, row, None)
    assert faulty.returncode == row.run_once, faulty.stderr[-2000:]
    assert row.logged.format(n=f"{world.number:02d}") in read(log)
    check_output(read(log) + faulty.stdout + faulty.stderr, "faulty run")
    check_while_faulty(row, world)
    if row.run_once:
        assert "error: not every matched table got a decision" in faulty.stderr

    offset = len(read(log))
    clean = _run_once(config, matrix.env, workdir)
    assert clean.returncode == 0, clean.stderr[-2000:]
    check_output(read(log)[offset:] + clean.stdout + clean.stderr, "clean run")
    check_normal(row, world)


def _run_once(config: Path, env: dict[str, str], workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dynamic_dynamodb", "-c", str(config),
                           "--run-once"], env=env, cwd=workdir, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_the_matrix_is_large_enough() -> None:
    assert len(ROWS) >= 40
    assert len({row.id for row in ROWS}) == len(ROWS)
