"""Two daemons on the same tables without a lease table: the one whose table another
changed says so, naming the table (real processes, real DescribeTable timestamps)."""

from __future__ import annotations

import signal
from pathlib import Path

from .daemon_support import Cli, read, stopping, wait_for, write_config

WARNING = "changed by someone else since the last check"


def test_a_daemon_names_a_table_another_daemon_scales(cli: Cli, tmp_path: Path) -> None:
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = write_config(tmp_path / "first.conf", first_log)
    # The second scales at a lower threshold: after the first's increase to 15 (63 % used)
    # it raises reads again, which the first did not do.
    second = tmp_path / "second.conf"
    second.write_text(
        f"[global]\ncheck-interval: 1\nmax-attempts: 1\n"
        f"[logging]\nlog-file: {second_log}\nlog-level: info\n"
        f"[table: ^a-orders$]\nreads-upper-threshold: 50\nreads-lower-threshold: 10\n")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with stopping(cli.popen("-c", str(first), "--daemon", "fg", "--pid-file-dir",
                            str(tmp_path / "one"))) as one:
        wait_for(lambda: "a-orders: reads 10 (95.0 % used) -> 15" in read(first_log),
                 what="the first daemon's increase")
        wait_for(lambda: read(first_log).count("a-orders: reads 15") >= 2,
                 what="two quiet cycles of the first")
        assert WARNING not in read(first_log)  # alone, its own change is no one else's
        with stopping(cli.popen("-c", str(second), "--daemon", "fg", "--pid-file-dir",
                                str(tmp_path / "two"))) as two:
            wait_for(lambda: "a-orders: reads 15 (63.3 % used) -> 23" in read(second_log),
                     what="the second daemon's increase")
            wait_for(lambda: WARNING in read(first_log), what="the first's warning")
            two.send_signal(signal.SIGTERM)
            assert two.wait(timeout=20) == 0
        one.send_signal(signal.SIGTERM)
        assert one.wait(timeout=20) == 0
    warnings = [line for line in read(first_log).splitlines() if WARNING in line]
    assert len(warnings) == 1, warnings  # once per table per hour
    assert "a-orders: changed by someone else" in warnings[0]
    assert "23 reads" in warnings[0] and "lease-table" in warnings[0]
    assert WARNING not in read(second_log)  # the second saw 15 from its first check on
