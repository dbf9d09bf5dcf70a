"""fleet/targets.py: accounts x regions to targets, each with the sections that apply."""

from __future__ import annotations

from dynamic_dynamodb.fleet.targets import plan_targets
from dynamic_dynamodb.settings import (
    DEFAULT_DESCRIBE_RATE,
    AccountConfig,
    Config,
    GlobalConfig,
    GsiPolicy,
    TablePolicy,
)

ORDERS = TablePolicy(key="^orders$", accounts=frozenset({"prod"}), gsis=(
    GsiPolicy(key="^by_owner$", table_key="^orders$"),
    GsiPolicy(key="^by_date$", table_key="^orders$", accounts=frozenset({"prod"})),
))
EVERYTHING = TablePolicy(key=".*", gsis=(
    GsiPolicy(key=".*", table_key=".*", accounts=frozenset({"staging"})),))


def no_region(profile: str | None) -> str:
    raise AssertionError(f"no region should be looked up (profile {profile})")


def test_without_accounts_the_global_settings_are_the_one_target_unchanged():
    config = Config(global_=GlobalConfig(region="eu-west-1"), tables=(EVERYTHING,))

    (target,) = plan_targets(config, no_region)

    assert target.id == "default/eu-west-1"
    assert target.account is None
    assert target.config is config
    assert target.describe_rate is None


def test_without_a_region_the_default_target_takes_boto3s():
    config = Config(global_=GlobalConfig(profile="ops"), tables=(EVERYTHING,))
    asked: list[str | None] = []

    (target,) = plan_targets(config, lambda profile: asked.append(profile) or "ap-south-1")

    assert (target.id, asked) == ("default/ap-south-1", ["ops"])
    assert target.config.global_.region is None  # AwsClients resolves it as before


def test_each_account_region_is_a_target_with_only_its_sections():
    prod = AccountConfig(name="prod", regions=("eu-west-1", "us-east-1"), describe_rate=5)
    staging = AccountConfig(name="staging", profile="stage")
    config = Config(global_=GlobalConfig(region="eu-central-1", describe_rate=20),
                    tables=(ORDERS, EVERYTHING), accounts=(prod, staging))

    targets = plan_targets(config, no_region)

    assert [t.id for t in targets] == ["prod/eu-west-1", "prod/us-east-1",
                                       "staging/eu-central-1"]
    prod_eu, _, stage = targets
    assert prod_eu.config.global_.region == "eu-west-1"
    assert [t.key for t in prod_eu.config.tables] == ["^orders$", ".*"]
    assert [g.key for g in prod_eu.config.tables[0].gsis] == ["^by_owner$", "^by_date$"]
    assert prod_eu.config.tables[1].gsis == ()  # that GSI section is staging's only
    assert [t.key for t in stage.config.tables] == [".*"]
    assert [g.key for g in stage.config.tables[0].gsis] == [".*"]
    assert (prod_eu.describe_rate, stage.describe_rate) == (5, 20)


def test_an_account_without_regions_takes_the_global_one_else_its_profiles():
    config = Config(tables=(EVERYTHING,), accounts=(
        AccountConfig(name="a", profile="pa"), AccountConfig(name="b")))
    asked: list[str | None] = []

    targets = plan_targets(config, lambda profile: asked.append(profile) or "sa-east-1")

    assert [t.id for t in targets] == ["a/sa-east-1", "b/sa-east-1"]
    assert asked == ["pa", None]
    assert targets[0].describe_rate == DEFAULT_DESCRIBE_RATE


def test_a_target_no_section_applies_to_has_no_tables():
    config = Config(global_=GlobalConfig(region="eu-west-1"), tables=(ORDERS,),
                    accounts=(AccountConfig(name="prod"), AccountConfig(name="dev")))

    prod, dev = plan_targets(config, no_region)

    assert prod.has_tables and not dev.has_tables
