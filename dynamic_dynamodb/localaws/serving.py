"""Shared by the local servers: URLs, a child's environment, foreground serving, stopping."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from socketserver import BaseServer
from typing import Any


def server_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def child_env(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` plus what a child server needs: this checkout importable (installed or
    not) and unbuffered output, so the parent reads the URL line at once."""
    env = dict(base)
    root = str(Path(__file__).resolve().parents[2])  # the directory holding dynamic_dynamodb
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def serve_until_signalled(server: BaseServer, url: str) -> int:
    """Print ``url`` (the parent process reads this line), serve, stop on a signal."""

    def stop(signum: int, frame: Any) -> None:
        # shutdown() waits for serve_forever() to return, which runs in this very thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(url, flush=True)  # noqa: T201 - the parent reads the URL from stdout
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def stop_process(proc: subprocess.Popen[str], timeout: float = 10.0) -> None:
    """SIGTERM a child server, SIGKILL it if it has not exited within ``timeout``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    if proc.stdout is not None:
        proc.stdout.close()
