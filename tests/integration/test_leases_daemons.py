"""Three real ``dynamic-dynamodb`` daemons (foreground processes) on one lease table,
serving one account in four regions of the local AWS: every target has exactly one
owner, a daemon killed with ``kill -9`` has its targets taken over within two lease
durations, the UpdateTable calls the server received never show two daemons acting on
one table at once, and SIGTERM releases the survivors' leases.

Each daemon signs with an access key id of its own, so the launcher's journal says which
daemon sent each UpdateTable. Every table runs at 95 % of its reads and is raised by one
unit a cycle (one cycle a second), so an owner sends an UpdateTable every second: a
second daemon acting on the same table would show up as a change of sender without the
margin's pause (lease_support.handovers).
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import IO

import boto3
import pytest

from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.fleet.lease_store import DynamoLeaseStore, owners
from dynamic_dynamodb.localaws import create_table, seed_metrics
from dynamic_dynamodb.localaws.control import LauncherControl
from dynamic_dynamodb.settings import LeaseTiming

from .daemon_support import Cli, wait_for
from .lease_support import LEASE_TABLE, access_key, handovers, scan_text

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
TARGETS = [f"local/{region}" for region in REGIONS]
NAMES = ("w1", "w2", "w3")
DURATION = 8.0
CONNECT_TIMEOUT, READ_TIMEOUT = 1.0, 2.0
TIMING = LeaseTiming(DURATION, CONNECT_TIMEOUT + READ_TIMEOUT)  # margin 3 s, acting 5 s

CONFIG = f"""\
[global]
region: us-east-1
check-interval: 1
max-attempts: 1
connect-timeout: {CONNECT_TIMEOUT:g}
read-timeout: {READ_TIMEOUT:g}
lease-table: {LEASE_TABLE}
lease-duration: {DURATION:g}

[account: local]
regions: {", ".join(REGIONS)}

[table: ^orders$]
reads-upper-threshold: 90
increase-reads-unit: units
increase-reads-with: 1
"""


def seed_tables() -> None:
    """``orders`` in each region at 95 % of its reads, whatever its capacity becomes."""
    for region in REGIONS:
        create_table(boto3.client("dynamodb", region_name=region), "orders", reads=10,
                     writes=10)
        seed_metrics(boto3.client("cloudwatch", region_name=region), "orders",
                     consumed_read_per_second=10_000.0, consumed_write_per_second=5.0)


def leases() -> dict[str, tuple[str | None, float | None]]:
    """target -> (owner, expires_at), from a scan of the lease table as ``status`` shows it
    (with boto3's default timeouts and retries: the test's observer is no worker); {}
    before a daemon has created it."""
    try:
        return owners(DynamoLeaseStore(boto3.client("dynamodb", region_name="us-east-1"),
                                       LEASE_TABLE))
    except AwsError as exc:
        if exc.code == "ResourceNotFoundException":
            return {}
        raise


def owners_now() -> dict[str, str | None]:
    return {target: owner for target, (owner, _) in leases().items()}


def senders_since(launcher: LauncherControl, since: float) -> dict[str, set[str]]:
    """Who sent UpdateTable to each region's ``orders`` since ``since`` (launcher time)."""
    found: dict[str, set[str]] = {}
    for entry in launcher.journal(operation="UpdateTable", table="orders"):
        if entry["at"] >= since:
            found.setdefault(entry["region"], set()).add(entry["access_key"])
    return found


def region_handovers(launcher: LauncherControl) -> list[tuple[str, str, str, float]]:
    """lease_support.handovers per region: the tables share a name, so each call is
    keyed by region/table."""
    journal = [{**entry, "table": f"{entry['region']}/{entry['table']}"}
               for entry in launcher.journal(operation="UpdateTable", table="orders")]
    return handovers(journal)


@pytest.fixture
def config(aws_env: dict[str, str], tmp_path: Path) -> Path:
    seed_tables()
    path = tmp_path / "fleet.conf"
    path.write_text(CONFIG)
    return path


def test_three_daemons_share_the_targets_and_take_over_a_killed_ones(
        config: Path, launcher: LauncherControl, aws_env: dict[str, str],
        tmp_path: Path) -> None:
    cli = Cli(aws_env, tmp_path)
    logs: dict[str, IO[str]] = {}
    daemons: dict[str, subprocess.Popen[str]] = {}
    victim = ""
    for name in NAMES:
        logs[name] = (tmp_path / f"{name}.log").open("w")
        env = {**cli.env, "AWS_ACCESS_KEY_ID": access_key(name)}
        daemons[name] = subprocess.Popen(
            cli.argv(["-c", str(config), "--worker-id", name]), env=env, cwd=tmp_path,
            stdin=subprocess.DEVNULL, stdout=logs[name], stderr=subprocess.STDOUT, text=True)
    try:
        # Every target has one owner, and every daemon holds some.
        wait_for(lambda: set(owners_now()) == set(TARGETS)
                 and set(owners_now().values()) == set(NAMES),
                 timeout=30, interval=0.2, what="each daemon holding leases")
        owners = owners_now()
        assert all(owners[t] in NAMES for t in TARGETS), owners
        started = launcher.now()
        # Each owner acts on its targets' tables, and nobody else does.
        wait_for(lambda: len(senders_since(launcher, started)) == len(REGIONS),
                 timeout=15, what="every table updated")

        victim = Counter(owners_now().values()).most_common(1)[0][0] or ""
        theirs = sorted(t for t, owner in owners_now().items() if owner == victim)
        survivors = [name for name in NAMES if name != victim]
        snapshots = [("before the kill", scan_text())]
        daemons[victim].kill()  # SIGKILL: nothing released
        killed_at, killed_at_launcher = time.monotonic(), launcher.now()
        daemons[victim].wait()
        stale_shown = False
        while True:
            table = leases()
            moved = [t for t in theirs if table[t][0] != victim]
            if not stale_shown and any(table[t][0] == victim and (table[t][1] or 0) < time.time()
                                       for t in theirs):
                # Past expires_at, not taken yet: each survivor waits a lease duration on
                # its own clock from when it last saw the lease's counter move.
                snapshots.append((f"{time.monotonic() - killed_at:.1f} s after the kill "
                                  f"(expired by expires_at, not taken yet)", scan_text()))
                stale_shown = True
            if len(moved) == len(theirs):
                break
            assert time.monotonic() - killed_at <= 2 * DURATION, table
            time.sleep(0.1)
        takeover = time.monotonic() - killed_at
        snapshots.append((f"after the takeover ({takeover:.1f} s after the kill)",
                          scan_text()))
        assert takeover <= 2 * DURATION
        assert set(owners_now().values()) == set(survivors)

        # The survivors act on the victim's tables: the new owner only.
        taken_at = launcher.now()
        victim_regions = {t.split("/")[1] for t in theirs}
        wait_for(lambda: victim_regions <= set(senders_since(launcher, taken_at)),
                 timeout=15, what="the survivors acting on the victim's tables")
        owners = owners_now()
        for region, senders in senders_since(launcher, taken_at).items():
            assert senders == {access_key(owners[f"local/{region}"] or "")}, region
        assert access_key(victim) not in set().union(
            *senders_since(launcher, killed_at_launcher + TIMING.validity).values())

        # Never two senders on one table without the margin's pause in between.
        changes = region_handovers(launcher)
        for table_key, before, after, gap in changes:
            assert gap >= TIMING.margin / 2, (table_key, before, after, gap)
        print("\n\n".join(f"{title}:\n{text}" for title, text in snapshots))
        print(f"victim {victim} ({', '.join(theirs)}); takeover {takeover:.1f} s; "
              f"hand-overs (table, from, to, gap s): "
              f"{[(t, b, a, round(g, 2)) for t, b, a, g in changes]}")
    finally:
        for process in daemons.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in daemons.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs.values():
            log.close()
    texts = {name: (tmp_path / f"{name}.log").read_text() for name in NAMES}
    codes = {name: process.returncode for name, process in daemons.items()}
    assert codes == {name: 0 if name != victim else -signal.SIGKILL for name in NAMES}, [
        texts[name][-3000:] for name in NAMES]
    # SIGTERM: each survivor finished its cycle in hand, then released its leases.
    assert all(owner is None for owner in owners_now().values()), scan_text()
    for name in (n for n in NAMES if n != victim):
        assert "released lease local/" in texts[name], texts[name][-3000:]
        assert "Traceback" not in texts[name], texts[name][-3000:]
