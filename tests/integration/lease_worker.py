"""One worker as a process of its own, for the kill -9 test:

    python -m tests.integration.lease_worker NAME TARGET [TARGET ...]

A lease coordinator and its driver (lease_support.Driver) until SIGTERM, which stops
the driver and releases the leases, as the daemon does. Logs to stderr.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from tests.integration.lease_support import Worker


def main(argv: list[str]) -> int:
    name, targets = argv[0], argv[1:]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s {name} %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = Worker.start(name, targets)
    print("started", flush=True)
    stop.wait()
    worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
