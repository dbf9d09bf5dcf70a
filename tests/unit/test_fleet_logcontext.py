"""Every log line names its target: a "[target] " prefix in a fleet's text lines, a
"target" field in JSON lines, also from worker threads given a copy of the context."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from dynamic_dynamodb.fleet.logcontext import current_target, in_target
from dynamic_dynamodb.logsetup import TEXT_FORMAT, JsonFormatter, RedactSecrets


@pytest.fixture
def lines():
    """What the logger "fleet-test" writes, as text and as JSON (one handler each)."""
    logger = logging.getLogger("fleet-test")
    text, js = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(text), logging.StreamHandler(js)]
    handlers[0].setFormatter(logging.Formatter(TEXT_FORMAT))
    handlers[1].setFormatter(JsonFormatter())
    for handler in handlers:
        handler.addFilter(RedactSecrets(["s3cret"]))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, text, js
    for handler in handlers:
        logger.removeHandler(handler)


def parsed(js: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in js.getvalue().splitlines()]


def test_a_fleet_target_prefixes_text_and_is_a_json_field(lines):
    logger, text, js = lines

    with in_target("prod/eu-west-1", prefix=True):
        logger.info("orders: reads %d unchanged", 10)
        logger.warning("key s3cret leaked")
    logger.info("service started")

    assert text.getvalue().splitlines()[0].endswith(
        "fleet-test: [prod/eu-west-1] orders: reads 10 unchanged")
    assert "[prod/eu-west-1] key *** leaked" in text.getvalue()
    assert text.getvalue().splitlines()[2].endswith("fleet-test: service started")
    first, second, third = parsed(js)
    assert first["target"] == "prod/eu-west-1"
    assert first["message"] == "orders: reads 10 unchanged"
    assert second["message"] == "key *** leaked"
    assert "target" not in third


def test_the_one_default_target_keeps_text_unchanged_and_gets_the_json_field(lines):
    logger, text, js = lines

    with in_target("default/us-east-1", prefix=False):
        logger.info("orders: reads 10 unchanged")

    assert text.getvalue().rstrip().endswith("fleet-test: orders: reads 10 unchanged")
    (entry,) = parsed(js)
    assert (entry["target"], entry["message"]) == ("default/us-east-1",
                                                   "orders: reads 10 unchanged")


def test_worker_threads_name_the_target_of_the_work_they_were_given(lines):
    logger, text, _ = lines

    def work(n: int) -> str | None:
        logger.info("table %d described", n)
        return current_target()

    with ThreadPoolExecutor(max_workers=2) as pool:
        with in_target("a/eu-west-1", prefix=True):
            first = pool.submit(contextvars.copy_context().run, work, 1)
        with in_target("b/us-east-1", prefix=True):
            second = pool.submit(contextvars.copy_context().run, work, 2)
        assert (first.result(), second.result()) == ("a/eu-west-1", "b/us-east-1")

    assert "[a/eu-west-1] table 1 described" in text.getvalue()
    assert "[b/us-east-1] table 2 described" in text.getvalue()
