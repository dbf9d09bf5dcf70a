"""Targets: one account in one region, the unit the fleet serves.

Each ``[account: NAME]`` section gives one target per region of its ``regions`` (by
default the global region): ``NAME/REGION``, e.g. ``prod/eu-west-1``. Without account
sections the global settings are the one target, ``default/REGION``, run exactly as
before accounts existed. A target's configuration holds only the table and GSI
sections that apply to its account (``accounts: NAME, ...``; none: everywhere).

Pure: no boto3, no clock. Where a region comes from when none is configured (the
profile's, boto3's chain) is the caller's ``default_region``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dynamic_dynamodb.settings import (
    DEFAULT_ACCOUNT,
    DEFAULT_DESCRIBE_RATE,
    AccountConfig,
    Config,
    ResourcePolicy,
    TablePolicy,
    target_id,
)

# A profile name (None: the default credentials) to the region boto3 would use.
RegionResolver = Callable[[str | None], str]


@dataclass(frozen=True)
class Target:
    """One account in one region, with the configuration that applies there."""

    account: AccountConfig | None  # None: the global settings (no account sections)
    region: str
    config: Config

    @property
    def account_name(self) -> str:
        return self.account.name if self.account is not None else DEFAULT_ACCOUNT

    @property
    def id(self) -> str:
        return target_id(self.account_name, self.region)

    @property
    def describe_rate(self) -> float | None:
        """DescribeTable calls per second (None: not paced). An [account] target is always
        paced; the global settings' one target only when describe-rate says so, as before."""
        glob = self.config.global_
        if self.account is None:
            return glob.describe_rate
        return self.account.describe_rate or glob.describe_rate or DEFAULT_DESCRIBE_RATE

    @property
    def has_tables(self) -> bool:
        return bool(self.config.tables)


def applies(policy: ResourcePolicy, account: str) -> bool:
    """Whether a table or GSI section applies to ``account``'s targets."""
    return not policy.accounts or account in policy.accounts


def _restricted(table: TablePolicy, account: str) -> TablePolicy:
    gsis = tuple(gsi for gsi in table.gsis if applies(gsi, account))
    return table if gsis == table.gsis else dataclasses.replace(table, gsis=gsis)


def config_for(config: Config, account: str, region: str) -> Config:
    """The configuration one target runs with: its region, and only the table and GSI
    sections that apply to its account (in file order, so first-match still holds)."""
    tables = tuple(_restricted(table, account) for table in config.tables
                   if applies(table, account))
    glob = dataclasses.replace(config.global_, region=region)
    return dataclasses.replace(config, global_=glob, tables=tables)


def plan_targets(config: Config, default_region: RegionResolver) -> list[Target]:
    """Every target of the configuration, in file order (each account's regions in the
    order written)."""
    glob = config.global_
    if not config.accounts:
        return [Target(None, glob.region or default_region(glob.profile), config)]
    targets = []
    for account in config.accounts:
        regions: Sequence[str] = account.regions or (
            glob.region or default_region(account.profile or glob.profile),)
        targets += [Target(account, region, config_for(config, account.name, region))
                    for region in regions]
    return targets

