"""The launcher's command line: serve in the foreground, print the URL, stop on SIGTERM.

Run it as ``python -m dynamic_dynamodb.localaws`` (see ``__main__.py``).
"""

from __future__ import annotations

import argparse

from dynamic_dynamodb.localaws.inprocess import make_launcher_server
from dynamic_dynamodb.localaws.serving import serve_until_signalled, server_url
from dynamic_dynamodb.localaws.update_rules import DEFAULT_MAX_CAPACITY

PROG = "python -m dynamic_dynamodb.localaws"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Local AWS API (moto) with DynamoDB's UpdateTable rules (decrease budget, "
        "UPDATING, quota), fault injection and a control API under /_launcher/. Prints its "
        "URL, serves until SIGTERM or Ctrl-C. Any access key works.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--update-delay", type=float, default=0.0, help="seconds UPDATING")
    parser.add_argument("--max-capacity", type=int, default=DEFAULT_MAX_CAPACITY)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    server, _ = make_launcher_server(
        args.host,
        args.port,
        update_delay=args.update_delay,
        max_capacity=args.max_capacity,
        verbose=args.verbose,
    )
    return serve_until_signalled(server, server_url(args.host, server.server_port))

