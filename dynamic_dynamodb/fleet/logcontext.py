"""Every log line names its target.

Whoever runs a target's cycle does it inside ``in_target(target_id, prefix)``: a
context variable holds the target, and a log-record factory (installed once, on first
use, process-wide) copies it into each record as ``record.target``. Worker threads
inherit it when their work is submitted with ``contextvars.copy_context().run`` (the
Scheduler's describe pool and the CloudWatch batches do).

What the line shows:
  * text (and any ``log-config-file`` formatter): with ``prefix`` (a fleet: the
    configuration has [account: NAME] sections), the message starts with
    ``[prod/eu-west-1] ``; the one target made of the global settings is not prefixed,
    so its log reads as it always did;
  * JSON: a ``target`` field on every line logged for a target, fleet or not, and the
    message without the prefix (logsetup.JsonFormatter strips ``record.target_prefix``).
  * ``%(target)s`` is available to a log-config-file's formats (None outside a target).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Label:
    target: str
    prefix: bool


_current: contextvars.ContextVar[_Label | None] = contextvars.ContextVar(
    "dynamic_dynamodb_target", default=None)
_install_lock = threading.Lock()
_installed = False


def current_target() -> str | None:
    label = _current.get()
    return None if label is None else label.target


def prefix_of(target: str) -> str:
    return f"[{target}] "


@contextmanager
def in_target(target: str, prefix: bool) -> Iterator[None]:
    """Log records made in this context (and in work submitted from it with a copy of
    it) name ``target``; with ``prefix`` their message starts with ``[target] ``."""
    install()
    token = _current.set(_Label(target, prefix))
    try:
        yield
    finally:
        _current.reset(token)


def install() -> None:
    """Wrap the log-record factory once; records made outside a target get target None."""
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            label = _current.get()
            record.target = None if label is None else label.target
            if label is not None and label.prefix:
                prefix = prefix_of(label.target)
                record.target_prefix = prefix
                record.msg = prefix + str(record.msg)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
