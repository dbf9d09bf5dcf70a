"""What the command line tells the service and the daemon: frozen, built by cli.py.

Not part of the configuration: these say how this process runs, not what it does
to the tables, so a reload never changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceOptions:
    run_once: bool = False  # one cycle, then return its report
    metrics_port: int | None = None  # serve Prometheus metrics on this port


@dataclass(frozen=True)
class DaemonOptions:
    instance: str = "default"  # pid file dynamic-dynamodb.<instance>.pid
    pid_file_dir: str = "/tmp"
    service: ServiceOptions = field(default_factory=ServiceOptions)

    @property
    def name(self) -> str:
        """How messages name this daemon: ``dynamic-dynamodb (instance default)``."""
        return f"dynamic-dynamodb (instance {self.instance})"
