"""Log handlers that survive their disk (logfile.py) and UTC timestamps (logsetup.py), on
real files and directories; a full disk is /dev/full."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynamic_dynamodb.logfile import NOTICE_INTERVAL, QuietStreamHandler, SafeFileHandler
from dynamic_dynamodb.logsetup import TEXT_FORMAT, JsonFormatter, UtcFormatter

DEV_FULL = Path("/dev/full")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(message: str = "hello", created: float | None = None) -> logging.LogRecord:
    made = logging.LogRecord("dynamic_dynamodb", logging.INFO, __file__, 1, message, (), None)
    if created is not None:
        made.created = created
        made.msecs = int((created - int(created)) * 1000) + 0.0
    return made


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def handlers() -> Iterator[list[logging.Handler]]:
    made: list[logging.Handler] = []
    yield made
    for handler in made:
        handler.close()


def file_handler(path: Path, handlers: list[logging.Handler], clock: FakeClock,
                 max_bytes: int = 1 << 20, backups: int = 2) -> SafeFileHandler:
    handler = SafeFileHandler(str(path), max_bytes, backups, clock=clock)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handlers.append(handler)
    return handler


def notices(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("dynamic-dynamodb: ")]


# -- a file that cannot be written ------------------------------------------------------
@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full")
def test_a_full_disk_gives_one_notice_a_minute_and_no_traceback(handlers, clock, capsys):
    handler = file_handler(DEV_FULL, handlers, clock)

    for i in range(500):
        handler.handle(record(f"line {i}"))
    first = capsys.readouterr().err
    clock.now += NOTICE_INTERVAL - 1
    handler.handle(record("still within the minute"))
    within = capsys.readouterr().err
    clock.now += 1
    handler.handle(record("a minute later"))
    later = capsys.readouterr().err

    assert notices(first) == [f"dynamic-dynamodb: cannot write log file {DEV_FULL} (No space "
                              f"left on device); log records are being lost, going on "
                              f"without them"]
    assert "Traceback" not in first + within + later
    assert within == ""
    assert notices(later) == [f"dynamic-dynamodb: still cannot write log file {DEV_FULL} "
                              f"(No space left on device); 501 more log record(s) lost"]
    assert handler.losses.lost == 502


class FailingStream:
    """A stream on a full disk: every write raises ENOSPC."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        pass


def test_a_stderr_handler_on_a_full_disk_counts_quietly(clock, capsys):
    handler = QuietStreamHandler(FailingStream(), clock=clock)  # type: ignore[arg-type]

    for _ in range(100):
        handler.handle(record())

    err = capsys.readouterr().err
    assert len(notices(err)) == 1 and "Traceback" not in err
    assert handler.losses.lost == 100


def test_writing_again_after_losses_says_how_many_were_lost(tmp_path, handlers, clock,
                                                             capsys):
    # The directory is replaced by a plain file: the log file can be neither opened nor
    # made (root can write anywhere, so permissions would not stop it).
    directory = tmp_path / "logs"
    directory.mkdir()
    log = directory / "dd.log"
    handler = file_handler(log, handlers, clock)
    handler.handle(record("before"))
    shutil.rmtree(directory)
    directory.write_text("not a directory")

    for i in range(3):
        handler.handle(record(f"lost {i}"))
    directory.unlink()
    handler.handle(record("after"))

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert notices(err)[0].startswith(f"dynamic-dynamodb: cannot write log file {log} (")
    assert notices(err)[-1] == (f"dynamic-dynamodb: log file {log} is writable again; "
                                f"3 log record(s) were lost")
    assert log.read_text().splitlines() == [
        "after", "3 log record(s) were lost before this point: the log file could not be "
                 "written"]
    assert handler.losses.lost == 0


# -- a file or directory that was deleted or moved ---------------------------------------
def test_a_deleted_file_is_reopened_on_the_next_record(tmp_path, handlers, clock):
    log = tmp_path / "dd.log"
    handler = file_handler(log, handlers, clock)
    handler.handle(record("first"))
    log.unlink()

    handler.handle(record("second"))

    assert log.read_text() == "second\n"


def test_a_moved_file_is_reopened_at_its_path(tmp_path, handlers, clock):
    # logrotate without copytruncate and without a postrotate reload.
    log = tmp_path / "dd.log"
    handler = file_handler(log, handlers, clock)
    handler.handle(record("first"))
    log.rename(tmp_path / "dd.log.1")

    handler.handle(record("second"))

    assert (tmp_path / "dd.log.1").read_text() == "first\n"
    assert log.read_text() == "second\n"


def test_a_deleted_directory_is_made_again_with_its_permissions(tmp_path, handlers, clock,
                                                               capsys):
    directory = tmp_path / "logs"
    directory.mkdir()
    directory.chmod(0o750)
    log = directory / "dd.log"
    handler = file_handler(log, handlers, clock)
    handler.handle(record("first"))
    shutil.rmtree(directory)

    handler.handle(record("second"))

    assert log.read_text() == "second\n"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o750
    assert capsys.readouterr().err == ""


def test_nothing_is_made_above_the_log_directory(tmp_path, handlers, clock, capsys):
    parent = tmp_path / "var"
    directory = parent / "logs"
    directory.mkdir(parents=True)
    handler = file_handler(directory / "dd.log", handlers, clock)
    handler.handle(record("first"))
    shutil.rmtree(parent)

    handler.handle(record("lost"))

    assert not parent.exists()
    assert handler.losses.lost == 1
    assert "No such file or directory" in notices(capsys.readouterr().err)[0]


def test_rotation_still_happens_by_size(tmp_path, handlers, clock):
    log = tmp_path / "dd.log"
    handler = file_handler(log, handlers, clock, max_bytes=30, backups=2)

    for i in range(6):
        handler.handle(record(f"line number {i}"))  # 14 bytes each: two per file

    assert log.read_text() == "line number 4\nline number 5\n"
    assert (tmp_path / "dd.log.1").read_text() == "line number 2\nline number 3\n"
    assert (tmp_path / "dd.log.2").read_text() == "line number 0\nline number 1\n"
    assert not (tmp_path / "dd.log.3").exists()


# -- timestamps ----------------------------------------------------------------------------
@pytest.fixture
def far_time_zone(monkeypatch) -> Iterator[None]:
    """A local zone far from UTC, so that a local time cannot pass for UTC."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


CREATED = 1796153558.125  # 2026-12-01T19:32:38.125Z (exact in binary)


def test_text_lines_carry_utc_iso_8601_times(far_time_zone):
    line = UtcFormatter(TEXT_FORMAT).format(record("hello", CREATED))

    assert line == "2026-12-01T19:32:38.125Z INFO dynamic_dynamodb: hello"


def test_json_lines_carry_the_same_time(far_time_zone):
    entry = json.loads(JsonFormatter().format(record("hello", CREATED)))

    assert entry["time"] == "2026-12-01T19:32:38.125Z"


def test_times_sort_as_text_across_a_second():
    times = [UtcFormatter("%(asctime)s").format(record(created=CREATED + d))
             for d in (0.0, 0.876, 0.877, 1.0)]

    assert times == sorted(times)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in times)
