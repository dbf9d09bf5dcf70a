"""SystemClock: the sleep between cycles ends at once on stop, early on wake."""

from __future__ import annotations

import threading

from dynamic_dynamodb.loop import SystemClock


def test_a_stop_ends_the_wait_at_once() -> None:
    stop = threading.Event()
    stop.set()

    assert SystemClock(stop, threading.Event()).wait(3600) is True


def test_a_wake_ends_the_wait_early_without_a_stop_and_is_cleared() -> None:
    stop, wake = threading.Event(), threading.Event()
    wake.set()

    assert SystemClock(stop, wake).wait(3600) is False
    assert not wake.is_set()


def test_a_stop_set_by_another_thread_is_seen_without_a_wake() -> None:
    stop = threading.Event()
    timer = threading.Timer(0.05, stop.set)
    timer.start()
    try:
        # An hour's wait would fail the suite's time budget; it returns within a slice.
        assert SystemClock(stop, threading.Event()).wait(3600) is True
    finally:
        timer.cancel()


def test_without_a_wake_event_the_wait_runs_its_course() -> None:
    assert SystemClock(threading.Event()).wait(0.0) is False
