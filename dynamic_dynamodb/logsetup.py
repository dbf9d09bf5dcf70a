"""Logging set-up: text or JSON lines, stderr or a rotated file, or a fileConfig file."""

from __future__ import annotations

import json
import logging
import logging.config
import logging.handlers
from datetime import datetime, timezone

from dynamic_dynamodb.config.model import LoggingConfig
from dynamic_dynamodb.errors import ConfigError, Problem

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log pipelines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def setup_logging(config: LoggingConfig) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    if config.config_file:
        try:
            logging.config.fileConfig(config.config_file, disable_existing_loggers=False)
        except Exception as exc:
            raise ConfigError(Problem(f"cannot load logging configuration: {exc}",
                                      "log-config-file", "logging", config.config_file)) from None
        return
    handler: logging.Handler
    if config.file:
        try:
            handler = logging.handlers.RotatingFileHandler(
                config.file, maxBytes=10 * 1024 * 1024, backupCount=5)
        except OSError as exc:
            raise ConfigError(Problem(f"cannot open log file: {exc.strerror}", "log-file",
                                      "logging", config.file)) from None
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if config.format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(config.level.upper())
    # botocore's own debug output is very loud and may include request bodies.
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
