"""Run a local HTTP server in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import subprocess
import threading
from socketserver import BaseServer
from typing import Any


def serve_until_signalled(server: BaseServer, url: str) -> int:
    """Print ``url`` (the parent process reads this line), serve, stop on a signal."""

    def stop(signum: int, frame: Any) -> None:
        # shutdown() waits for serve_forever() to return, which runs in this very thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(url, flush=True)
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
