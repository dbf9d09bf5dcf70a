"""Which tables and GSIs AWS Application Auto Scaling manages: a fact the Scheduler
gathers for the core's coexistence guard (two scalers on one table would fight).

DescribeScalingPolicies is read at most once an hour, or sooner when a table appears
that the last read did not cover, so it costs one call an hour, not one per cycle.
When it cannot be read the answer is "none" (the daemon manages the table), with one
warning per process, not one per cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from dynamic_dynamodb.backend import TablesApi
from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.errors import AwsError, AwsSetupError

log = logging.getLogger("dynamic_dynamodb")

REFRESH = timedelta(hours=1)
# boto3's variable for the service's endpoint; the README's local set-up names only
# DynamoDB's and CloudWatch's, so a local run reaches for the real one.
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING"


class AutoscalingPolicies:
    """The resources with an Application Auto Scaling policy, cached for ``REFRESH``."""

    def __init__(self, tables: TablesApi) -> None:
        self._tables = tables
        self._managed: set[ResourceId] = set()
        self._names: set[str] = set()
        self._checked_at: datetime | None = None
        self._warned = False

    def managed(self, tables: Collection[str], now: datetime) -> set[ResourceId]:
        """The managed resources among ``tables``' (read again when stale)."""
        names = set(tables)
        fresh = (self._checked_at is not None and now - self._checked_at < REFRESH
                 and names <= self._names)
        if not fresh:
            self._managed = self._read(sorted(names))
            self._checked_at, self._names = now, names
        return self._managed

    def _read(self, names: list[str]) -> set[ResourceId]:
        try:
            return self._tables.autoscaling_managed(names)
        except AwsSetupError:
            raise
        except AwsError as exc:
            if self._warned:
                log.debug("cannot read Application Auto Scaling policies (%s)", exc)
            else:
                self._warned = True
                log.warning("cannot read Application Auto Scaling policies (%s); assuming "
                            "none manages these tables. Against a local or custom endpoint "
                            "set %s as well (or AWS_ENDPOINT_URL for every service), or set "
                            "ignore-aws-autoscaling to skip this check", exc, ENDPOINT_VARIABLE)
            return set()
