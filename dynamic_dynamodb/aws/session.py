"""The only place boto3 sessions and clients are made.

Credentials, region and endpoints come from boto3's standard chain: environment,
profiles, instance roles, and ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``.
No endpoint is ever passed explicitly, so those variables keep working. Every AWS
call made through these clients is counted by operation (botocore event hooks).

Per-call CPU matters when one cycle makes a thousand DescribeTable calls, so the
clients skip botocore's client-side parameter validation (every request is built by
this package; the service still validates) and parse epoch timestamps with the
standard library instead of dateutil (about 40 times faster; one cycle over 1,000
tables with a GSI each gets some 20,000 timestamps from GetMetricData).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import botocore.session
import botocore.utils

from dynamic_dynamodb.aws.fastparse import LeanParserFactory, lean_serializer
from dynamic_dynamodb.errors import AwsSetupError
from dynamic_dynamodb.settings import GlobalConfig

# The original defaulted to us-east-1; so do we when nothing else names a region.
FALLBACK_REGION = "us-east-1"


class CallCounter:
    """AWS calls by "service.Operation".

    A call is counted once, from botocore's ``before-call`` event, however many HTTP
    attempts its retries take; retries are counted apart (``needs-retry`` fires after
    every attempt, so each one after the first was a retry). ``take`` hands over one
    cycle's calls; ``totals`` and ``retry_totals`` only grow (for Prometheus).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._totals: Counter[str] = Counter()
        self._retries: Counter[str] = Counter()

    def __call__(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        name = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self._counts[name] += 1
            self._totals[name] += 1

    def attempt_done(self, operation: Any = None, attempts: int = 1, **_: Any) -> None:
        """``needs-retry`` handler: attempt number ``attempts`` has finished. Returns
        None, so it never changes botocore's retry decision."""
        if operation is None or attempts < 2:
            return
        name = f"{operation.service_model.service_name}.{operation.name}"
        with self._lock:
            self._retries[name] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def take(self) -> dict[str, int]:
        """The counts since the last take (one cycle's worth)."""
        with self._lock:
            counts = dict(self._counts)
            self._counts.clear()
            return counts

    def totals(self) -> dict[str, int]:
        """Calls since start-up, by operation (never reset)."""
        with self._lock:
            return dict(self._totals)

    def retry_totals(self) -> dict[str, int]:
        """Retried attempts since start-up, by operation (never reset)."""
        with self._lock:
            return dict(self._retries)


def parse_timestamp(value: Any) -> datetime:
    """botocore's timestamp parser, with a fast path for epoch seconds (the JSON
    protocols' format) that avoids dateutil's slow local time zone."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    parsed: datetime = botocore.utils.parse_timestamp(value)
    return parsed


def share_table_endpoints(client: Any) -> None:
    """Resolve a DynamoDB client's endpoint once per operation, not once per table.

    botocore resolves each call's endpoint from the service's rule set and caches the
    result under all of the rule set's parameters. For DynamoDB these include the table
    name (as ``ResourceArn``, which the rules use only when it is an ARN, to reach an
    account-based endpoint), so with more tables than the cache's 100 entries every
    DescribeTable of a cycle misses and evaluates the rules again: about a fifth of the
    CPU of a 1,000-table cycle. A plain table name cannot change the result, so for
    plain names the result is kept per operation; an ARN goes through botocore's own
    resolution. The wrapped attribute is botocore's, not public: a botocore without it
    is left as it is.
    """
    resolver = getattr(client, "_ruleset_resolver", None)
    resolve = getattr(resolver, "construct_endpoint", None)
    if resolver is None or resolve is None:
        return
    results: dict[str, Any] = {}

    def construct_endpoint(operation_model: Any, call_args: Any,
                           request_context: Any) -> Any:
        table = call_args.get("TableName") if isinstance(call_args, dict) else None
        if not isinstance(table, str) or table.startswith("arn:"):
            return resolve(operation_model=operation_model, call_args=call_args,
                           request_context=request_context)
        found = results.get(operation_model.name)
        if found is None:
            found = resolve(operation_model=operation_model, call_args=call_args,
                            request_context=request_context)
            results[operation_model.name] = found
        return found

    resolver.construct_endpoint = construct_endpoint


class AwsClients:
    """boto3 clients for DynamoDB, CloudWatch, SNS and Application Auto Scaling."""

    def __init__(self, config: GlobalConfig,
                 botocore_session: botocore.session.Session | None = None) -> None:
        # A prepared botocore session brings its own credentials (fleet/sessions.py: an
        # assumed role, refreshed by botocore); by default, a new one and boto3's chain.
        core = botocore_session or botocore.session.get_session()
        core.register_component("response_parser_factory", LeanParserFactory())
        core.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=parse_timestamp)
        try:
            self.session = boto3.session.Session(
                aws_access_key_id=config.aws_access_key_id,
                aws_secret_access_key=config.aws_secret_access_key,
                region_name=config.region,
                profile_name=config.profile,
                botocore_session=core,
            )
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsSetupError(f"AWS profile not found: {exc}", "ProfileNotFound") from None
        self.region = self.session.region_name or FALLBACK_REGION
        self.calls = CallCounter()
        self.session.events.register("before-call", self.calls)
        self.session.events.register("needs-retry", self.calls.attempt_done)
        # botocore's standard retry mode (backoff on throttling and 5xx) unless the user's
        # environment chose another; attempts only when configured, so AWS_MAX_ATTEMPTS
        # and the profile's max_attempts keep working.
        retries: dict[str, Any] = {"mode": os.environ.get("AWS_RETRY_MODE", "standard")}
        if config.max_attempts is not None:
            retries["total_max_attempts"] = config.max_attempts
        self._botocore_config = botocore.config.Config(
            region_name=self.region,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            retries=retries,
            max_pool_connections=max(10, config.describe_concurrency),
            parameter_validation=False,
        )
        # UpdateTable gets one attempt: the standard mode counts LimitExceededException
        # (a refused decrease) as throttling and would back off for seconds before the
        # daemon can send the increases alone. A failed update is retried next cycle.
        self._update_config = self._botocore_config.merge(
            botocore.config.Config(retries={"mode": retries["mode"], "total_max_attempts": 1}))
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._new_client(service, self._botocore_config)
            return self._clients[service]

    def _new_client(self, service: str, config: botocore.config.Config) -> Any:
        client = self.session.client(service, config=config)
        if service == "dynamodb":
            share_table_endpoints(client)
        if service == "cloudwatch":
            lean_serializer(client)
        return client

    @property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @property
    def dynamodb_updates(self) -> Any:
        """A DynamoDB client for UpdateTable (no retries; see __init__)."""
        with self._lock:
            if "dynamodb-updates" not in self._clients:
                self._clients["dynamodb-updates"] = self._new_client(
                    "dynamodb", self._update_config)
            return self._clients["dynamodb-updates"]

    @property
    def cloudwatch(self) -> Any:
        return self.client("cloudwatch")

    @property
    def sns(self) -> Any:
        return self.client("sns")

    @property
    def autoscaling(self) -> Any:
        return self.client("application-autoscaling")
