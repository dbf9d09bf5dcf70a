"""[account: NAME] sections and the table/GSI option ``accounts``: read, checked against
each other, shown by --show-config; every problem in one report."""

from __future__ import annotations

import json

import pytest

from dynamic_dynamodb.config.show import config_as_dict, show_config
from dynamic_dynamodb.settings import DEFAULT_ROLE_SESSION_NAME, AccountConfig

from .test_config_loader import load, problems_of

FLEET = """\
    [global]
    region: eu-west-1
    describe-rate: 20

    [account: prod]
    role-arn: arn:aws:iam::111111111111:role/dynamic-dynamodb
    external-id: prod-ext-1
    role-session-name: dd-prod
    regions: eu-west-1, us-east-1
    describe-rate: 10

    [account: staging]
    profile: staging

    [table: ^orders$]
    accounts: prod

    [gsi: ^by_owner$ table: ^orders$]
    accounts: prod

    [table: .*]
"""


def test_account_sections_are_read_in_file_order_with_their_values(tmp_path):
    config = load(tmp_path, FLEET)

    prod, staging = config.accounts
    assert prod == AccountConfig(
        name="prod", role_arn="arn:aws:iam::111111111111:role/dynamic-dynamodb",
        external_id="prod-ext-1", role_session_name="dd-prod",
        regions=("eu-west-1", "us-east-1"), describe_rate=10.0)
    assert staging == AccountConfig(name="staging", profile="staging")
    assert staging.role_session_name == DEFAULT_ROLE_SESSION_NAME
    assert config.global_.describe_rate == 20.0
    orders, catch_all = config.tables
    assert orders.accounts == frozenset({"prod"})
    assert orders.gsis[0].accounts == frozenset({"prod"})
    assert catch_all.accounts == frozenset()


def test_without_account_sections_nothing_changes(tmp_path):
    config = load(tmp_path, """\
        [table: .*]
    """)

    assert config.accounts == ()
    assert config.tables[0].accounts == frozenset()
    assert config.global_.describe_rate is None


@pytest.mark.parametrize("text,expected", [
    ("[account: prod]\nregions: eu-west-1, eu-west-1\n[table: .*]\n",
     "[account: prod] regions = 'eu-west-1, eu-west-1': region eu-west-1 is named twice"),
    ("[account: prod]\nregions: eu-west-1,,us-east-1\n[table: .*]\n",
     "an empty region name between two commas"),
    ("[account: prod]\nrole-arn: arn:aws:iam::12345:role/x\n[table: .*]\n",
     "role-arn = 'arn:aws:iam::12345:role/x': expected an IAM role ARN"),
    ("[account: prod]\nrole-arn: arn:aws:iam::111111111111:role/x\nexternal-id: x\n"
     "[table: .*]\n", "external-id = 'x': expected 2-1224 characters"),
    ("[account: prod]\nexternal-id: abcdef\n[table: .*]\n",
     "[account: prod] external-id: external-id is set but role-arn is not"),
    ("[account: prod]\nrole-session-name: dd\n[table: .*]\n",
     "role-session-name: role-session-name is set but role-arn is not"),
    ("[account: prod]\ndescribe-rate: 0\n[table: .*]\n",
     "describe-rate = '0': must be greater than 0"),
    ("[account: prod]\ndescribe-rate: 3000\n[table: .*]\n",
     "describe-rate = '3000': must be at most 2500 calls per second"),
    ("[account: prod/eu]\n[table: .*]\n",
     "[account: prod/eu]: an account section is [account: NAME], NAME 1-63 letters"),
    ("[account: prod]\n[account:prod]\n[table: .*]\n",
     "[account:prod]: account prod is already defined by [account: prod]"),
    ("[account: prod]\ncheck-interval: 60\n[table: .*]\n",
     "check-interval: unknown option here: check-interval belongs in [global]"),
    ("[global]\nregions: eu-west-1\n[table: .*]\n",
     "regions: unknown option here: regions belongs in an [account: NAME] section"),
    ("[acount: prod]\n[table: .*]\n", "unknown section; did you mean [account: prod]?"),
    ("[table: .*]\naccounts: prod\n",
     "[table: .*] accounts: names account prod, but there is no [account: NAME] section"),
    ("[account: prod]\n[account: dev]\n[table: .*]\naccounts: prod, qa\n",
     "accounts: names account qa, but no such [account: NAME] section exists (there are: "
     "prod, dev)"),
    ("[account: prod]\n[default_options]\naccounts: qa\n[table: a]\n[table: b]\n",
     "[default_options] accounts: names account qa"),
    ("[account: prod]\n[table: .*]\naccounts: prod, bad name\n",
     "'bad name' is not an account name"),
    ("[account: prod]\n[account: dev]\n[table: ^t$]\naccounts: prod\n"
     "[gsi: .* table: ^t$]\naccounts: dev\n",
     "[gsi: .* table: ^t$] accounts: names account dev, where its table's section "
     "[table: ^t$] does not apply (accounts: prod)"),
], ids=["region-twice", "empty-region", "bad-role-arn", "short-external-id",
        "external-id-without-role", "session-name-without-role", "zero-rate", "rate-above-limit",
        "slash-in-name", "same-name-twice", "global-option-in-account",
        "account-option-in-global", "misspelt-header", "accounts-without-sections",
        "unknown-account", "unknown-account-reported-once-in-defaults", "bad-account-name",
        "gsi-outside-its-table"])
def test_bad_account_configuration_is_one_clear_problem(tmp_path, text, expected):
    problems = problems_of(tmp_path, text)

    assert any(expected in problem for problem in problems), problems
    assert len(problems) == 1, problems


def test_show_config_lists_accounts_and_where_their_values_came_from(tmp_path):
    config = load(tmp_path, FLEET)

    shown = config_as_dict(config)
    assert [account["name"] for account in shown["accounts"]] == ["prod", "staging"]
    assert shown["accounts"][0]["regions"] == ["eu-west-1", "us-east-1"]
    assert shown["accounts"][1]["role-arn"] is None
    assert shown["tables"][0]["accounts"] == ["prod"]
    origins = shown["origins"]["accounts"]
    assert origins["staging"] == {"profile": f"{config.source} [account: staging]"}
    assert json.loads(show_config(config))["global"]["describe-rate"] == 20.0


def test_show_config_lists_each_target_with_the_sections_that_apply(tmp_path):
    from click.testing import CliRunner

    from dynamic_dynamodb.cli import cli

    path = tmp_path / "fleet.conf"
    path.write_text(FLEET.replace("    ", ""))

    result = CliRunner().invoke(cli, ["-c", str(path), "--show-config"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["targets"] == [
        {"target": "prod/eu-west-1", "tables": ["^orders$", ".*"]},
        {"target": "prod/us-east-1", "tables": ["^orders$", ".*"]},
        {"target": "staging/eu-west-1", "tables": [".*"]},
    ]
