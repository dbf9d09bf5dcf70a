"""Notifications: what an outcome tells people, and where it goes. Every event is
logged; SNS gets the types the table subscribes to."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dynamic_dynamodb.core.types import Direction, ResourceId, ScaleEvent
from dynamic_dynamodb.report import Outcome

log = logging.getLogger("dynamic_dynamodb.notify")


def outcome_events(outcome: Outcome) -> list[ScaleEvent]:
    """The alarms that started this cycle, and each change that was applied."""
    decision = outcome.decision
    if decision is None:
        return []
    events = [ScaleEvent(alarm.kind, alarm.resource, alarm.message) for alarm in decision.alarms]
    if not outcome.applied:
        return events
    for dim, d in (("reads", decision.reads), ("writes", decision.writes)):
        if d.direction is Direction.NONE:
            continue
        kind = "scale-up" if d.direction is Direction.UP else "scale-down"
        events.append(ScaleEvent(kind, decision.resource,
                                 f"{decision.resource} {dim} {d.current} -> {d.target}: "
                                 f"{d.reason.message}"))
    return events


def failures_event(table: str, count: int, message: str) -> ScaleEvent:
    """The ``error`` notice once a table has failed ``count`` cycles in a row."""
    return ScaleEvent("error", ResourceId(table),
                      f"{table} has failed {count} cycles in a row: {message}")


class LogNotifier:
    """Logs events that are not already on the table's cycle line (alarms, errors)."""

    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        if event.kind in ("scale-up", "scale-down"):
            return  # the cycle line already says it
        level = logging.ERROR if event.kind == "error" else logging.WARNING
        log.log(level, "%s: %s", event.kind, event.message)


class SnsNotifier:
    """Publishes to the table's topic when its ``sns-message-types`` include the event.

    Every message carries its ``target`` (an account in one region) as the message
    attribute ``target``, for subscription filter policies; with ``label`` (a fleet) the
    subject and the text name it too: ``dynamic-dynamodb scale-up: [prod/eu-west-1] orders``.
    """

    def __init__(self, sns_client: object, target: str | None = None,
                 label: bool = False) -> None:
        self._sns = sns_client
        self._target = target
        self._prefix = f"[{target}] " if target and label else ""

    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        if not topic_arn or event.kind not in message_types:
            return
        subject = f"dynamic-dynamodb {event.kind}: {self._prefix}{event.resource}"[:100]
        attributes = ({"target": {"DataType": "String", "StringValue": self._target}}
                      if self._target else {})
        try:
            self._sns.publish(TopicArn=topic_arn, Subject=subject,  # type: ignore[attr-defined]
                              Message=self._prefix + event.message,
                              MessageAttributes=attributes)
        except Exception as exc:  # noqa: BLE001 - a failed publish is logged, never fatal
            log.warning("SNS publish to %s failed: %s", topic_arn, exc)


class FanOut:
    def __init__(self, notifiers: Sequence[object]) -> None:
        self._notifiers = list(notifiers)

    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        for notifier in self._notifiers:
            notifier.notify(event, topic_arn, message_types)  # type: ignore[attr-defined]
