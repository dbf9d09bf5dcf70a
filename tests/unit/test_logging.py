"""Logging set-up: JSON lines, rotation, an atomic swap on reload, and secret masking."""

from __future__ import annotations

import json
import logging
import logging.handlers
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dynamic_dynamodb.errors import ConfigError
from dynamic_dynamodb.logsetup import (
    BACKUP_COUNT,
    MAX_BYTES,
    JsonFormatter,
    RedactSecrets,
    secrets_of,
    setup_logging,
)
from dynamic_dynamodb.masking import mask_url, mask_value
from dynamic_dynamodb.settings import Config, GlobalConfig, LoggingConfig, TablePolicy


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("dynamic_dynamodb", logging.INFO, __file__, 1, message, args,
                             exc_info)


@pytest.mark.parametrize(
    ("message", "args", "expected"),
    [
        ("key %s in use", ("SECRETKEY123",), "key *** in use"),
        ("probe http://user:hunter2x@host:8080/health failed", (),
         "probe http://user:***@host:8080/health failed"),
        ("https://u:p%40ss@h/x and https://other:pw@h2", (),
         "https://u:***@h/x and https://other:***@h2"),
        ("nothing secret at http://host/path@v2", (), "nothing secret at http://host/path@v2"),
        ("a short value abc stays", (), "a short value abc stays"),
    ],
    ids=["known-secret", "url-password", "several-urls", "no-userinfo", "too-short-to-mask"],
)
def test_redaction(message: str, args: tuple[object, ...], expected: str) -> None:
    record = _record(message, *args)
    RedactSecrets(["SECRETKEY123", "abc"]).filter(record)
    assert record.getMessage() == expected


def test_redaction_covers_tracebacks() -> None:
    try:
        raise RuntimeError("connect to https://user:topsecret@example.invalid failed")
    except RuntimeError as exc:
        record = _record("boom", exc=exc)
    RedactSecrets().filter(record)
    assert record.exc_text is not None
    assert "topsecret" not in record.exc_text and "https://user:***@" in record.exc_text


def test_secrets_of_a_config() -> None:
    config = Config(
        global_=GlobalConfig(aws_access_key_id="AKIDPUBLIC", aws_secret_access_key="s3cr3t-key",
                             circuit_breaker_url="http://u:globalpw@h/"),
        tables=(TablePolicy(key="t", circuit_breaker_url="https://u:tablepw@h/x"),),
    )
    assert sorted(secrets_of(config)) == ["globalpw", "s3cr3t-key", "tablepw"]


def test_json_formatter_writes_one_object_per_line() -> None:
    try:
        raise ValueError("bad")
    except ValueError as exc:
        record = _record("orders: reads %d -> %d", 10, 15, exc=exc)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert (entry["level"], entry["logger"], entry["message"]) == \
        ("info", "dynamic_dynamodb", "orders: reads 10 -> 15")
    assert "ValueError: bad" in entry["exception"]


def test_log_file_is_rotated(tmp_path: Path) -> None:
    log = tmp_path / "dd.log"
    setup_logging(LoggingConfig(file=str(log)))
    handler = logging.getLogger().handlers[-1]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert (handler.maxBytes, handler.backupCount) == (MAX_BYTES, BACKUP_COUNT)
    logging.getLogger("dynamic_dynamodb").info("hello %s", "file")
    handler.flush()
    assert "INFO dynamic_dynamodb: hello file" in log.read_text()


def test_a_bad_new_log_file_keeps_the_old_one(tmp_path: Path) -> None:
    """On SIGHUP the new handler is built first: a failure leaves logging as it was."""
    good = tmp_path / "good.log"
    setup_logging(LoggingConfig(file=str(good)))
    before = list(logging.getLogger().handlers)

    with pytest.raises(ConfigError, match="cannot open log file"):
        setup_logging(LoggingConfig(file=str(tmp_path / "no-such-dir" / "dd.log")))

    assert logging.getLogger().handlers == before
    logging.getLogger("dynamic_dynamodb").warning("still here")
    before[-1].flush()
    assert "still here" in good.read_text()


@pytest.mark.parametrize(
    ("level", "botocore_level"),
    [("info", logging.WARNING), ("warning", logging.WARNING), ("debug", logging.INFO)],
    ids=["info", "warning", "debug"],
)
def test_botocore_is_kept_quiet(tmp_path: Path, level: str, botocore_level: int) -> None:
    setup_logging(LoggingConfig(level=level, file=str(tmp_path / "dd.log")))
    assert logging.getLogger("botocore").level == botocore_level


def test_secret_never_reaches_the_file(tmp_path: Path) -> None:
    log = tmp_path / "dd.log"
    setup_logging(LoggingConfig(file=str(log), format="json"), ["the-secret-value"])
    logging.getLogger("somebody.else").warning("leaked the-secret-value via %s",
                                               "http://a:b1234@h")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log.read_text()
    assert "the-secret-value" not in text and "b1234" not in text
    assert "leaked *** via http://a:***@h" in json.loads(text.splitlines()[-1])["message"]


@pytest.mark.parametrize(
    ("value", "is_url", "shown"),
    [
        ("https://ops:hunter2@status.example.com:8443/ok?x=1", True,
         "https://ops:***@status.example.com:8443/ok?x=1"),
        ("http://status.example.com/ok", True, "http://status.example.com/ok"),
        ("ops:hunter2@status.example.com", True, "***"),      # no scheme: masked whole
        ("http://status.example.com/a@b:c", True, "***"),     # '@' outside the host part
        ("http://[::1/", True, "***"),                        # not a URL at all
        ("wJalrXUtnFEMIsecret", False, "***"),
    ],
    ids=["url-password", "url-without-credentials", "no-scheme", "at-in-path",
         "unparseable", "plain-secret"],
)
def test_mask_value(value: str, is_url: bool, shown: str) -> None:
    assert mask_value(value, is_url) == shown


def test_breaker_and_config_share_one_url_mask() -> None:
    from dynamic_dynamodb import breaker
    from dynamic_dynamodb.config import options

    assert breaker.mask_url is mask_url
    assert options.mask_value is mask_value


GOOD_LOG_CONFIG = """\
[loggers]
keys=root

[handlers]
keys=file

[formatters]
keys=plain

[logger_root]
level=INFO
handlers=file

[handler_file]
class=FileHandler
args=({log!r},)
formatter=plain

[formatter_plain]
format=%(levelname)s %(message)s
"""

BAD_LOG_CONFIGS = [
    ("missing-formatters", "[loggers]\nkeys=root\n[handlers]\nkeys=\n[logger_root]\n",
     "missing [formatters] section; a logging.config.fileConfig file needs [loggers], "
     "[handlers] and [formatters] sections"),
    ("not-a-logging-config", "[global]\nregion: us-east-1\n", "not a logging configuration"),
    ("not-ini", "just some text\n", "not an INI file"),
    ("no-keys", "[loggers]\n[handlers]\nkeys=\n[formatters]\nkeys=\n",
     "[loggers] needs keys="),
    ("missing-named-section", "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n"
     "[logger_root]\n", "[handlers] names 'h' but there is no [handler_h] section"),
    ("no-root", "[loggers]\nkeys=app\n[handlers]\nkeys=\n[formatters]\nkeys=\n[logger_app]\n",
     "[loggers] keys= must name root"),
    ("handler-without-class", "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n"
     "[logger_root]\n[handler_h]\nargs=()\n", "[handler_h] needs class="),
    ("unknown-handler-class", "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n"
     "[logger_root]\nhandlers=h\n[handler_h]\nclass=NoSuchHandler\nargs=()\n",
     "cannot load logging configuration: "),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD_LOG_CONFIGS],
                         ids=[b[0] for b in BAD_LOG_CONFIGS])
def test_a_bad_log_config_file_says_what_is_wrong(tmp_path: Path, text: str,
                                                  message: str) -> None:
    path = tmp_path / "logging.conf"
    path.write_text(text)

    with pytest.raises(ConfigError) as excinfo:
        setup_logging(LoggingConfig(config_file=str(path)))

    report = excinfo.value.report()
    assert report.startswith(f"configuration error: [logging] log-config-file = '{path}': "
                             f"cannot load logging configuration: ")
    assert message in report
    assert "KeyError" not in report


@pytest.mark.parametrize(("make", "message"), [
    (lambda tmp: tmp / "missing.conf", "file not found"),
    (lambda tmp: tmp, "is a directory"),
], ids=["missing", "directory"])
def test_a_log_config_file_that_is_not_a_file(tmp_path: Path, make: Callable[[Path], Path],
                                              message: str) -> None:
    path = make(tmp_path)

    with pytest.raises(ConfigError, match=message):
        setup_logging(LoggingConfig(config_file=str(path)))


def test_a_structurally_bad_log_config_leaves_logging_as_it_was(tmp_path: Path) -> None:
    good = tmp_path / "good.log"
    setup_logging(LoggingConfig(file=str(good)))
    before = list(logging.getLogger().handlers)
    bad = tmp_path / "logging.conf"
    bad.write_text(BAD_LOG_CONFIGS[4][1])

    with pytest.raises(ConfigError):
        setup_logging(LoggingConfig(config_file=str(bad)))

    assert logging.getLogger().handlers == before


def test_a_good_log_config_file_is_used(tmp_path: Path) -> None:
    log = tmp_path / "from-config.log"
    path = tmp_path / "logging.conf"
    path.write_text(GOOD_LOG_CONFIG.format(log=str(log)))

    setup_logging(LoggingConfig(config_file=str(path)), ["s3cr3t-value"])
    logging.getLogger("dynamic_dynamodb").info("configured with s3cr3t-value")
    for handler in logging.getLogger().handlers:
        handler.flush()

    assert log.read_text() == "INFO configured with ***\n"


def test_a_bad_log_config_exits_2_at_start_up(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from dynamic_dynamodb.cli import main

    path = tmp_path / "logging.conf"
    path.write_text("[loggers]\nkeys=root\n")

    with pytest.raises(SystemExit) as exited:
        main(["-t", "^t$", "--log-config-file", str(path), "--run-once"])

    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "missing [handlers] section" in err
    assert "Traceback" not in err
