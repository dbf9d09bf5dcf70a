"""Logging set-up: text or JSON lines, stderr or a rotated file, or a fileConfig file.

Times are UTC, ISO 8601 with milliseconds and a zone marker (``2026-12-01T19:32:38.123Z``),
in text and JSON alike; a fileConfig file keeps its own formatters. The file and stderr
handlers (logfile.py) survive a full or read-only disk and a deleted file or directory.

Secrets never reach a log: every handler gets a filter that masks the configured
secret values (the AWS secret key, circuit-breaker passwords) and the password of
any ``scheme://user:password@host`` URL, whatever code logged them. Setting up
again (SIGHUP) builds the new handler first and swaps it in only when that worked,
so a bad new log file leaves the old one in place; it also reopens the file, which
is what logrotate's ``postrotate`` wants.
"""

from __future__ import annotations

import configparser
import json
import logging
import logging.config
import logging.handlers
import os
import time
from collections.abc import Iterable

from dynamic_dynamodb.errors import ConfigError, Problem
from dynamic_dynamodb.logfile import QuietStreamHandler, SafeFileHandler
from dynamic_dynamodb.masking import Redactor, url_password
from dynamic_dynamodb.settings import Config, LoggingConfig

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 10 * 1024 * 1024
BACKUP_COUNT = 5


def utc_time(record: logging.LogRecord) -> str:
    """The record's time as ``2026-12-01T19:32:38.123Z``: UTC, whatever the machine's
    time zone, so that lines from machines in different zones sort and compare."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class UtcFormatter(logging.Formatter):
    """A text formatter whose ``%(asctime)s`` is :func:`utc_time`."""

    def formatTime(self, record: logging.LogRecord,  # noqa: N802 (logging's name)
                   datefmt: str | None = None) -> str:
        if datefmt:
            return time.strftime(datefmt, time.gmtime(record.created))
        return utc_time(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log pipelines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": utc_time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        # The target (fleet/logcontext.py) is a field here, not the text's "[t] " prefix.
        message = record.getMessage()
        target, prefix = getattr(record, "target", None), getattr(record, "target_prefix", "")
        if target:
            entry["target"] = target
        if prefix and message.startswith(prefix):
            message = message[len(prefix):]
        entry["message"] = message
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry)


class RedactSecrets(logging.Filter):
    """Masks known secret values and URL passwords in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.redactor = Redactor(secrets)

    def redact(self, text: str) -> str:
        return self.redactor.redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def secrets_of(config: Config) -> list[str]:
    """The configured values that must never be logged."""
    # Access key ids are not secret (they show in CloudTrail); the secret key is.
    found = [config.global_.aws_secret_access_key or ""]
    urls = [config.global_.circuit_breaker_url] + [
        policy.circuit_breaker_url for table in config.tables
        for policy in (table, *table.gsis)
    ]
    for url in urls:
        found.append(url_password(url or "") or "")
    return [s for s in found if s]


def _build_handler(config: LoggingConfig) -> logging.Handler:
    if not config.file:
        return QuietStreamHandler()
    try:
        return SafeFileHandler(config.file, MAX_BYTES, BACKUP_COUNT)
    except OSError as exc:
        raise ConfigError(Problem(f"cannot open log file: {exc.strerror}", "log-file",
                                  "logging", config.file)) from None


def _all_handlers() -> list[logging.Handler]:
    handlers = list(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            handlers.extend(logger.handlers)
    return handlers


# What logging.config.fileConfig reads first; each lists the names of its sections.
_FILE_CONFIG_SECTIONS = ("loggers", "handlers", "formatters")
_FILE_CONFIG_FORMAT = ("a logging.config.fileConfig file needs [loggers], [handlers] and "
                       "[formatters] sections, each with keys=, and [logger_root]")


def _keys(parser: configparser.ConfigParser, section: str) -> list[str]:
    return [key.strip() for key in parser.get(section, "keys").split(",") if key.strip()]


def log_config_problem(path: str) -> str | None:
    """Why ``path`` is not a usable fileConfig file, in words, or None if it may be.

    fileConfig itself reports a missing section as a bare KeyError ('formatters'), and
    clears the existing handlers before it reads the handler sections: the structure is
    checked first, so a file with a missing or misnamed section (also on SIGHUP) leaves
    logging as it was.
    """
    if not os.path.exists(path):
        return "file not found"
    if os.path.isdir(path):
        return "is a directory, not a file"
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle, path)
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except configparser.Error as exc:
        return f"not an INI file ({exc.message.splitlines()[0]}); {_FILE_CONFIG_FORMAT}"
    if not any(parser.has_section(name) for name in _FILE_CONFIG_SECTIONS):
        return f"not a logging configuration: {_FILE_CONFIG_FORMAT}"
    for name in _FILE_CONFIG_SECTIONS:
        if not parser.has_section(name):
            return f"missing [{name}] section; {_FILE_CONFIG_FORMAT}"
        if not parser.has_option(name, "keys"):
            return f"[{name}] needs keys= (the names of its sections, comma-separated)"
    for prefix, name in (("formatter", "formatters"), ("handler", "handlers"),
                         ("logger", "loggers")):
        for key in _keys(parser, name):
            if not parser.has_section(f"{prefix}_{key}"):
                return f"[{name}] names {key!r} but there is no [{prefix}_{key}] section"
    if "root" not in _keys(parser, "loggers"):
        return "[loggers] keys= must name root, with a [logger_root] section"
    for key in _keys(parser, "handlers"):
        if not parser.has_option(f"handler_{key}", "class"):
            return f"[handler_{key}] needs class= (e.g. StreamHandler)"
    return None


def _load_log_config(path: str) -> None:
    def problem(message: str) -> ConfigError:
        return ConfigError(Problem(message, "log-config-file", "logging", path))

    why = log_config_problem(path)
    if why is not None:
        raise problem(f"cannot load logging configuration: {why}")
    try:
        logging.config.fileConfig(path, disable_existing_loggers=False)
    except KeyError as exc:  # a section or option fileConfig looked up by name
        raise problem(f"cannot load logging configuration: missing {exc.args[0]!r} "
                      f"(a section or an option)") from None
    except Exception as exc:  # noqa: BLE001 - fileConfig evaluates classes and args: anything can fail
        raise problem(f"cannot load logging configuration: {type(exc).__name__}: "
                      f"{exc}") from None


def setup_logging(config: LoggingConfig, secrets: Iterable[str] = ()) -> None:
    redact = RedactSecrets(secrets)
    root = logging.getLogger()
    if config.config_file:
        _load_log_config(config.config_file)
    else:
        handler = _build_handler(config)  # before touching the old ones: may fail
        handler.setFormatter(JsonFormatter() if config.format == "json"
                             else UtcFormatter(TEXT_FORMAT))
        for old in list(root.handlers):
            root.removeHandler(old)
            old.close()
        root.addHandler(handler)
        root.setLevel(config.level.upper())
    for each in _all_handlers():
        for old_filter in [f for f in each.filters if isinstance(f, RedactSecrets)]:
            each.removeFilter(old_filter)
        each.addFilter(redact)
    # botocore's debug output is very loud and may include request headers, and its
    # info lines ("Found credentials in ...") are noise in a daemon's log: warnings
    # only, unless the user asked for debug.
    quiet = logging.INFO if root.level <= logging.DEBUG else logging.WARNING
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(max(quiet, root.level))
