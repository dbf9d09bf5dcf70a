"""SIGHUP: the configuration built again and swapped in before the next cycle.

A cycle hook: when a reload was asked for, ``before_cycle`` calls the loader (the
same flags and file as at start), reopens the log, and returns the new
configuration, which the Scheduler swaps in (its learned history is kept). An
invalid configuration is logged with its full problem report and the running one
is returned unchanged. systemd hears RELOADING=1 and READY=1 around it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from dynamic_dynamodb.errors import ConfigError
from dynamic_dynamodb.loop import CycleReport
from dynamic_dynamodb.service.systemd import SystemdNotifier
from dynamic_dynamodb.settings import Config, GlobalConfig

log = logging.getLogger("dynamic_dynamodb.service")

# Settings the boto3 clients, the fleet's thread pool and the lease coordinator are built
# from, once at start: a reload cannot change them in place.
RESTART_ONLY = ("region", "profile", "aws_access_key_id", "aws_secret_access_key",
                "connect_timeout", "read_timeout", "max_attempts", "describe_concurrency",
                "describe_rate", "target_concurrency", "lease_table", "worker_id",
                "lease_duration", "lease_region", "lease_profile")


def restart_only_changes(old: GlobalConfig, new: GlobalConfig) -> list[str]:
    """Names (never values: some are secrets) of AWS client settings that changed."""
    return [name.replace("_", "-") for name in RESTART_ONLY
            if getattr(old, name) != getattr(new, name)]


class Reloader:
    """Serves a reload request (the ``requested`` Event, set on SIGHUP) before a cycle."""

    def __init__(self, load_config: Callable[[], Config], requested: threading.Event,
                 notifier: SystemdNotifier,
                 configure_logging: Callable[[Config], None]) -> None:
        self.load_config = load_config
        self.requested = requested
        self.notifier = notifier
        self.configure_logging = configure_logging

    def before_cycle(self, config: Config) -> Config:
        if not self.requested.is_set():
            return config
        self.requested.clear()  # before loading: a SIGHUP during the load asks again
        return self.reload(config)

    def after_cycle(self, report: CycleReport) -> None:
        return None

    def reload(self, running: Config) -> Config:
        """The configuration built again when it is valid, else ``running``."""
        self.notifier.reloading()
        log.info("SIGHUP: reloading the configuration from %s",
                 running.source or "the command line")
        try:
            new = self.load_config()
            self.configure_logging(new)
        except ConfigError as exc:
            log.error("configuration reload rejected; keeping the running configuration:\n%s",
                      exc.report())
            new = running
        except Exception:
            log.exception("configuration reload failed; keeping the running configuration")
            new = running
        else:
            changed = restart_only_changes(running.global_, new.global_)
            if changed:
                log.warning("the new configuration changes %s: that takes effect after a "
                            "restart", ", ".join(changed))
            log.info("configuration reloaded: %d table section%s, check interval %d s",
                     len(new.tables), "s" * (len(new.tables) != 1), new.global_.check_interval)
        self.notifier.ready()  # systemd keeps the last STATUS line
        return new
