"""Helpers for tests that run the real CLI as a process against the local launcher."""

from __future__ import annotations

import http.client
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import boto3

from dynamic_dynamodb.localaws import create_table, seed_metrics

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], T], timeout: float = 20.0, interval: float = 0.05,
             what: str = "condition") -> T:
    """Poll until ``predicate`` returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def write_config(path: Path, log_file: Path, tables: str = "^(a|b)-orders$",
                 check_interval: int = 1, extra_global: str = "", extra_table: str = "",
                 extra_logging: str = "") -> Path:
    """A small INI file in the original's format: short interval, one attempt per call."""
    path.write_text(
        f"[global]\ncheck-interval: {check_interval}\nmax-attempts: 1\n{extra_global}\n"
        f"[logging]\nlog-file: {log_file}\nlog-level: info\n{extra_logging}\n"
        f"[table: {tables}]\nreads-upper-threshold: 90\nreads-lower-threshold: 30\n"
        f"{extra_table}\n")
    return path


def make_tables(names: Sequence[str] = ("a-orders", "b-orders"), reads: int = 10,
                consumed_reads: float = 9.5) -> None:
    """Tables whose reads run at 95 %: each cycle wants an increase."""
    dynamodb = boto3.client("dynamodb")
    cloudwatch = boto3.client("cloudwatch")
    for name in names:
        create_table(dynamodb, name, reads=reads, writes=10)
        seed_metrics(cloudwatch, name, consumed_read_per_second=consumed_reads,
                     consumed_write_per_second=5.0)


class Cli:
    """Runs ``python -m dynamic_dynamodb`` with the test's environment."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = dict(env)
        self.env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
        self.workdir = workdir

    def argv(self, args: Sequence[str]) -> list[str]:
        return [sys.executable, "-m", "dynamic_dynamodb", *args]

    def run(self, *args: str, timeout: float = 60.0,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(args), env={**self.env, **(env or {})},
                              cwd=self.workdir, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(args), env={**self.env, **(env or {})},
                                cwd=self.workdir, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def pid_alive(pid: int) -> bool:
    """True for a live process (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][:1] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def stopping(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """Make sure a foreground process started by a test is gone when the test ends."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


class SlowProxy:
    """A loopback HTTP proxy in front of the launcher that holds chosen calls back.

    Requests whose ``X-Amz-Target`` ends with one of ``slow_operations`` wait
    ``delay`` seconds before being forwarded; ``seen`` is set when the first one
    arrives, so a test can send a signal while that call is in flight.
    """

    def __init__(self, upstream: str, slow_operations: Sequence[str], delay: float) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.slow = tuple(slow_operations)
        self.delay = delay
        self.seen = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                if proxy.slow and target.endswith(proxy.slow):
                    proxy.seen.set()
                    time.sleep(proxy.delay)
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port,
                                                  timeout=30)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "content-length")}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection",
                                           "transfer-encoding", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SlowProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class NotifyListener:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address.replace("@", "\0", 1) if address.startswith("@") else address)
        self.sock.settimeout(0.2)
        self.messages: list[str] = []

    def drain(self) -> list[str]:
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                return self.messages
            except OSError:
                return self.messages

    def saw(self, field: str) -> bool:
        return any(field in m.split("\n") for m in self.drain())
