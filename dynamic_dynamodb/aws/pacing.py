"""DescribeTable under a rate: a token bucket per target (an account in one region).

DynamoDB throttles its control plane (DescribeTable, UpdateTable, ListTables...) at
2,500 requests per second per account and region, shared by every tool of the account
(deployments, backups, other controllers). One cycle describes every managed table
with up to ``describe-concurrency`` calls in flight, which in-region can reach
hundreds per second: the bucket keeps a target at ``describe-rate`` (50 per second
for an [account] target unless configured: 2 % of the limit).

Why per account x region, not per account: AWS enforces API rates per account in each
region (every region is its own endpoint and its own throttle), so a bucket shared by
an account's regions would slow one region for another's calls and protect nothing.
Each target is one account in one region, so each target has its own bucket. (Two
[account] sections that name the same AWS account each get their own.)

The bucket is consulted by a botocore ``before-send`` handler, which runs before every
HTTP attempt: retries are paced too, as they count against AWS's rate as well.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

DESCRIBE_EVENT = "before-send.dynamodb.DescribeTable"


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up (default: one second's
    worth). ``take`` waits for a token; thread-safe. A waiter reserves its token under
    the lock and sleeps outside it, so waiters are served in order, each ``1 / rate``
    seconds after the previous one.

    ``clock`` is monotonic seconds and ``wait(seconds)`` sleeps, returning True when a
    stop was requested (then the call goes ahead at once: a stopping daemon does not
    hold its last table back; DynamoDB's own throttling still applies).
    """

    def __init__(self, rate: float, burst: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 wait: Callable[[float], bool] | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be greater than 0")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self._clock = clock
        self._wait = wait or threading.Event().wait
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._last = clock()

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it (0: now)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def take(self) -> None:
        delay = self.reserve()
        if delay > 0:
            self._wait(delay)


def pace(events: Any, rate: float | None, stop: threading.Event | None = None) -> None:
    """Pace a session's DescribeTable calls at ``rate`` per second (None: not paced);
    ``stop`` ends a wait. Call before the session's first client is made."""
    if rate is None:
        return
    wait = stop.wait if stop is not None else threading.Event().wait
    pace_describes(events, TokenBucket(rate, wait=wait))


def pace_describes(events: Any, bucket: TokenBucket) -> None:
    """Pace every DescribeTable attempt of a session's clients through ``bucket``.

    ``events`` is a boto3 session's (or botocore session's) event system; clients copy
    it when they are made, so this is called before the first client exists.
    """
    def before_send(**_: Any) -> None:
        bucket.take()  # returns None: a response here would replace the call

    events.register(DESCRIBE_EVENT, before_send)
