"""The only place boto3 sessions and clients are made.

Credentials, region and endpoints come from boto3's standard chain: environment,
profiles, instance roles, and ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``.
No endpoint is ever passed explicitly, so those variables keep working. Every AWS
call made through these clients is counted by operation (botocore event hooks).
"""

from __future__ import annotations

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
        self._botocore_config = botocore.config.Config(
            region_name=self.region,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            retries={"mode": "standard", "max_attempts": config.max_attempts},
            max_pool_connections=max(10, config.describe_concurrency),
        )
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
    def cloudwatch(self) -> Any:
        return self.client("cloudwatch")

    @property
    def sns(self) -> Any:
        return self.client("sns")

    @property
    def autoscaling(self) -> Any:
        return self.client("application-autoscaling")
