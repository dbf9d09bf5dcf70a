"""The launcher as a child process: start it, learn its URL, wait until it answers, stop it."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from typing import IO

from dynamic_dynamodb.localaws.control import LauncherControl, LauncherHandle
from dynamic_dynamodb.localaws.serving import child_env, stop_process
from dynamic_dynamodb.localaws.update_rules import DEFAULT_MAX_CAPACITY

MODULE = "dynamic_dynamodb.localaws"


class LauncherProcess(LauncherHandle):
    """``python -m dynamic_dynamodb.localaws`` as a child process."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        update_delay: float = 0.0,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        python: str = sys.executable,
    ) -> None:
        self.command = [
            python, "-m", MODULE,
            "--host", host, "--port", str(port),
            "--update-delay", str(update_delay), "--max-capacity", str(max_capacity),
        ]  # fmt: skip
        self._env = dict(os.environ if env is None else env)
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None
        self._url: str | None = None

    def start(self) -> LauncherProcess:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the child
        self._proc = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=child_env(self._env),
            text=True,
        )
        try:
            self._url = self._read_url(time.monotonic() + self.startup_timeout)
            self._wait_ready(time.monotonic() + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _read_url(self, deadline: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.1):
                    line = self._proc.stdout.readline().strip()
                    if line.startswith("http"):
                        return line
                    if not line and self._proc.poll() is not None:
                        break
        raise RuntimeError(f"launcher did not print its URL: {self.stderr_tail()}")

    def _wait_ready(self, deadline: float) -> None:
        control = LauncherControl(self.url, timeout=2.0)
        while time.monotonic() < deadline:
            if control.health():
                return
            if self._proc is not None and self._proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"launcher at {self.url} never became ready: {self.stderr_tail()}")

    def stderr_tail(self, limit: int = 4000) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:]

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("LauncherProcess is not started")
        return self._url

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc is not None:
            stop_process(self._proc, timeout)
        if self._stderr is not None:
            self._stderr.close()
        self._proc = self._stderr = None
