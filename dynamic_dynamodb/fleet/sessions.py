"""Reaching one target: boto3 clients with its account's credentials, in its region.

* No account sections: the global settings, exactly as before (``AwsClients``).
* ``profile``: that profile of the standard AWS config; botocore resolves it, so a
  profile that itself assumes a role (``role_arn`` + ``source_profile``), uses SSO or
  a ``credential_process`` works as it does for the AWS CLI.
* ``role-arn``: the role is assumed with STS from the section's profile, else the
  default credentials ([global] keys or profile, else boto3's chain), with
  ``external-id`` and ``role-session-name``. botocore's own ``AssumeRoleCredentialFetcher``
  fetches them and ``DeferredRefreshableCredentials`` refreshes them: first on the
  first call, then before they expire (botocore refreshes 15 minutes before the
  expiry when it can, and must 10 minutes before). No timer of ours.

Nothing here calls AWS: credentials are fetched by the first call that needs them, in
the target's own cycle, so an account whose credentials fail fails alone. A failed
AssumeRole reaches the caller as ``RoleAssumptionFailed`` (a botocore error that
``aws/errors.translated`` turns into an AwsError naming the role).
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from typing import Any

import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.loaders
import botocore.session

from dynamic_dynamodb.aws.errors import error_code
from dynamic_dynamodb.aws.pacing import pace
from dynamic_dynamodb.aws.session import FALLBACK_REGION, AwsClients
from dynamic_dynamodb.errors import AwsSetupError
from dynamic_dynamodb.fleet.targets import Target
from dynamic_dynamodb.settings import AccountConfig, GlobalConfig


class RoleAssumptionFailed(botocore.exceptions.BotoCoreError):
    """STS refused (or could not be asked) to let us assume the account's role."""

    fmt = "cannot assume role {role_arn}: {error}"


def default_region(profile: str | None) -> str:
    """The region boto3 would use with ``profile`` (None: the default profile): the
    environment's, else the profile's, else us-east-1 as AwsClients does. Reads local
    configuration only; never calls AWS."""
    session = botocore.session.get_session()
    if profile is not None:
        session.set_config_variable("profile", profile)
    try:
        region = session.get_config_variable("region")
    except botocore.exceptions.ProfileNotFound:
        region = None  # reported when the target's clients are made
    return str(region) if region else FALLBACK_REGION


def _source_session(glob: GlobalConfig, account: AccountConfig) -> botocore.session.Session:
    """The botocore session whose credentials assume the role: the account's profile,
    else [global]'s keys or profile, else boto3's chain."""
    session = _new_session()
    profile = account.profile or (None if glob.aws_access_key_id else glob.profile)
    if profile is not None:
        session.set_config_variable("profile", profile)
    elif glob.aws_access_key_id and glob.aws_secret_access_key:
        session.set_credentials(glob.aws_access_key_id, glob.aws_secret_access_key)
    return session


def assumed_role_credentials(glob: GlobalConfig, account: AccountConfig, region: str, *,
                             duration_seconds: int | None = None
                             ) -> botocore.credentials.Credentials:
    """Refreshing credentials of ``account.role_arn``, assumed in ``region``'s STS.

    Raises AwsSetupError when there are no source credentials at all (no profile of
    that name, nothing in the chain); STS itself is first called by the first AWS call
    made with the result. ``duration_seconds`` (tests) asks STS for a short session.
    """
    assert account.role_arn is not None
    source = _source_session(glob, account)
    try:
        source_credentials = source.get_credentials()
    except botocore.exceptions.ProfileNotFound as exc:
        raise AwsSetupError(f"account {account.name}: AWS profile not found: {exc}",
                            "ProfileNotFound") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsSetupError(f"account {account.name}: cannot load the credentials that "
                            f"assume {account.role_arn}: {exc}",
                            type(exc).__name__) from None
    if source_credentials is None:
        raise AwsSetupError(f"account {account.name}: no AWS credentials to assume "
                            f"{account.role_arn} with (set a profile, [global] keys, or use "
                            f"an instance role)", "NoCredentials")
    extra: dict[str, Any] = {"RoleSessionName": account.role_session_name}
    if account.external_id is not None:
        extra["ExternalId"] = account.external_id
    if duration_seconds is not None:
        extra["DurationSeconds"] = duration_seconds
    sts_config = botocore.config.Config(
        connect_timeout=glob.connect_timeout, read_timeout=glob.read_timeout,
        retries={"mode": "standard", **({"total_max_attempts": glob.max_attempts}
                                        if glob.max_attempts is not None else {})})
    fetcher = botocore.credentials.AssumeRoleCredentialFetcher(
        functools.partial(source.create_client, region_name=region, config=sts_config),
        source_credentials, account.role_arn, extra_args=extra)

    def fetch() -> dict[str, Any]:
        try:
            result: dict[str, Any] = fetcher.fetch_credentials()
        except botocore.exceptions.ClientError as exc:
            message = exc.response.get("Error", {}).get("Message", "")
            raise RoleAssumptionFailed(role_arn=account.role_arn,
                                       error=f"{error_code(exc)}: {message}") from None
        return result

    return botocore.credentials.DeferredRefreshableCredentials(
        refresh_using=fetch, method="assume-role")


@functools.lru_cache(maxsize=1)
def _shared_loader() -> botocore.loaders.Loader:
    """One botocore data loader for every target's session: each session would otherwise
    load and parse the service models (JSON, a few MB) again, per target and service."""
    loader: botocore.loaders.Loader = botocore.session.get_session().get_component(
        "data_loader")
    return loader


def _new_session() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader())
    return session


class _Given(botocore.credentials.CredentialProvider):
    """A credential chain of one link: the credentials we made."""

    METHOD = "dynamic-dynamodb-assume-role"
    CANONICAL_NAME = "custom-dynamic-dynamodb"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


def target_clients(target: Target, stop: threading.Event | None = None, *,
                   duration_seconds: int | None = None) -> AwsClients:
    """The target's clients, DescribeTable paced at its rate; ``stop`` ends a pacing wait.

    Raises AwsSetupError for a profile that does not exist or no credentials at all.
    """
    glob = target.config.global_
    account = target.account
    core = _new_session()
    if account is not None and account.role_arn is None and account.profile is not None:
        glob = dataclasses.replace(glob, profile=account.profile, aws_access_key_id=None,
                                   aws_secret_access_key=None)
    elif account is not None and account.role_arn is not None:
        credentials = assumed_role_credentials(glob, account, target.region,
                                               duration_seconds=duration_seconds)
        core.register_component("credential_provider",
                                botocore.credentials.CredentialResolver([_Given(credentials)]))
        glob = dataclasses.replace(glob, profile=None, aws_access_key_id=None,
                                   aws_secret_access_key=None)
    clients = AwsClients(glob, botocore_session=core)
    pace(clients.session.events, target.describe_rate, stop)
    return clients
