"""The only place boto3 sessions and clients are made.

Credentials, region and endpoints come from boto3's standard chain: environment,
profiles, instance roles, and ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``.
No endpoint is ever passed explicitly, so those variables keep working. Every AWS
call made through these clients is counted by operation (botocore event hooks).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from dynamic_dynamodb.config.model import GlobalConfig
from dynamic_dynamodb.errors import AwsSetupError

# The original defaulted to us-east-1; so do we when nothing else names a region.
FALLBACK_REGION = "us-east-1"


class CallCounter:
    """AWS calls by "service.Operation", counted from botocore's before-call event."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def __call__(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        name = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self._counts[name] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def take(self) -> dict[str, int]:
        """The counts since the last take (one cycle's worth)."""
        with self._lock:
            counts = dict(self._counts)
            self._counts.clear()
            return counts


class AwsClients:
    """boto3 clients for DynamoDB, CloudWatch, SNS and Application Auto Scaling."""

    def __init__(self, config: GlobalConfig) -> None:
        try:
            self.session = boto3.session.Session(
                aws_access_key_id=config.aws_access_key_id,
                aws_secret_access_key=config.aws_secret_access_key,
                region_name=config.region,
                profile_name=config.profile,
            )
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsSetupError(f"AWS profile not found: {exc}", "ProfileNotFound") from None
        self.region = self.session.region_name or FALLBACK_REGION
        self.calls = CallCounter()
        self.session.events.register("before-call", self.calls)
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
                self._clients[service] = self.session.client(service,
                                                              config=self._botocore_config)
            return self._clients[service]

    @property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @property
    def dynamodb_updates(self) -> Any:
        """A DynamoDB client for UpdateTable (no retries; see __init__)."""
        with self._lock:
            if "dynamodb-updates" not in self._clients:
                self._clients["dynamodb-updates"] = self.session.client(
                    "dynamodb", config=self._update_config)
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
