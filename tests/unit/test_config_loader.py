"""INI files (and flags over them) to one validated Config: good files to the expected
tree, each kind of bad file to its own message, every problem in one report."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.errors import ConfigError
from dynamic_dynamodb.settings import Config, MaintenanceWindow


def write(tmp_path: Path, text: str, name: str = "dd.conf") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def load(tmp_path: Path, text: str, table_name: str | None = None,
         table_values: dict[str, str] | None = None,
         global_values: dict[str, str] | None = None) -> Config:
    return from_command_line(table_name, table_values or {}, global_values or {}, {},
                             config_file=write(tmp_path, text))


def problems_of(tmp_path: Path, text: str, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        load(tmp_path, text, **kwargs)
    return [str(p) for p in excinfo.value.problems]


def pluck(config: Config, path: str) -> Any:
    """``tables[1].gsis[0].reads.upper_threshold`` and the like."""
    obj: Any = config
    for part in path.split("."):
        name, _, index = part.partition("[")
        obj = getattr(obj, name)
        if index:
            obj = obj[int(index.rstrip("]"))]
    return obj


# The original's documented example, as users have it (keys, both sections, a GSI).
ORIGINAL_STYLE = """\
    [global]
    # AWS access keys
    aws-access-key-id: AWS_ACCESS_KEY
    aws-secret-access-key-id: AWS_SECRET_KEY

    # AWS region to use
    region: us-east-1

    # How often should Dynamic DynamoDB monitor changes (in seconds)
    check-interval: 300

    # Circuit breaker configuration
    #circuit-breaker-url: http://my.service.com/v1/is_up
    #circuit-breaker-timeout: 500

    [logging]
    # Log level [debug|info|warning|error]
    log-level: info

    # Log file (comment out to get only console output)
    log-file: /var/log/dynamic-dynamodb.log

    [table: ^my_table$]
    reads-upper-threshold: 90
    reads-lower-threshold: 30
    increase-reads-with: 50
    decrease-reads-with: 50
    increase-reads-unit: percent
    decrease-reads-unit: percent
    #min-provisioned-reads: 100
    #max-provisioned-reads: 500
    writes-upper-threshold: 90
    writes-lower-threshold: 30
    increase-writes-with: 50
    decrease-writes-with: 50
    increase-writes-unit: percent
    decrease-writes-unit: percent
    #maintenance-windows: 22:00-23:59,00:00-06:00
    #allow-scaling-down-reads-on-0-percent: true
    #always-decrease-rw-together: true

    [gsi: ^my_gsi$ table: ^my_table$]
    reads-upper-threshold: 80
    reads-lower-threshold: 20
    increase-reads-unit: units
    increase-reads-with: 10
    decrease-reads-unit: percent
    increase-writes-unit: percent
    decrease-writes-unit: percent
"""

GOOD_FILES = [
    ("original-style", ORIGINAL_STYLE, {
        "global_.region": "us-east-1",
        "global_.check_interval": 300,
        "global_.aws_access_key_id": "AWS_ACCESS_KEY",
        "global_.aws_secret_access_key": "AWS_SECRET_KEY",
        "logging.level": "info",
        "logging.file": "/var/log/dynamic-dynamodb.log",
        "tables[0].key": "^my_table$",
        "tables[0].reads.upper_threshold": 90.0,
        "tables[0].reads.min_provisioned": None,
        "tables[0].gsis[0].key": "^my_gsi$",
        "tables[0].gsis[0].table_key": "^my_table$",
        "tables[0].gsis[0].reads.upper_threshold": 80.0,
        "tables[0].gsis[0].reads.increase_unit": "units",
        "tables[0].gsis[0].reads.increase_with": 10.0,
        "tables[0].gsis[0].writes.upper_threshold": 90.0,
    }),
    ("only-a-table-section", """\
        [table: ^orders$]
        """, {
        "global_.check_interval": 300,
        "global_.region": None,
        "logging.level": "info",
        "tables[0].key": "^orders$",
        "tables[0].reads.upper_threshold": 90.0,
        "tables[0].writes.lower_threshold": 30.0,
        "tables[0].lookback_window_start": 8,
        "tables[0].gsis": (),
    }),
    ("defaults-below-section", """\
        [default_options]
        reads-upper-threshold: 80
        writes-upper-threshold: 70
        min-provisioned-reads: 5

        [table: ^a$]
        reads-upper-threshold: 85

        [table: ^b$]
        """, {
        "tables[0].reads.upper_threshold": 85.0,
        "tables[0].writes.upper_threshold": 70.0,
        "tables[0].reads.min_provisioned": 5,
        "tables[1].key": "^b$",
        "tables[1].reads.upper_threshold": 80.0,
    }),
    ("gsi-takes-defaults-not-table-section", """\
        [default_options]
        reads-lower-threshold: 20

        [gsi: ^idx table: ^t$]
        writes-upper-threshold: 95

        [table: ^t$]
        reads-lower-threshold: 10
        writes-upper-threshold: 80
        """, {
        "tables[0].reads.lower_threshold": 10.0,
        "tables[0].gsis[0].key": "^idx",
        "tables[0].gsis[0].reads.lower_threshold": 20.0,
        "tables[0].gsis[0].writes.upper_threshold": 95.0,
    }),
    ("gsis-keep-file-order", """\
        [table: ^t$]
        [gsi: ^by_a table: ^t$]
        [gsi: ^by table: ^t$]
        [table: ^u$]
        [gsi: ^x table: ^u$]
        """, {
        "tables[0].gsis[0].key": "^by_a",
        "tables[0].gsis[1].key": "^by",
        "tables[1].gsis[0].key": "^x",
    }),
    ("tables-keep-file-order", """\
        [table: ^orders]
        reads-upper-threshold: 70
        [table: ^orders-2024$]
        reads-upper-threshold: 95
        """, {
        "tables[0].key": "^orders",
        "tables[1].key": "^orders-2024$",
    }),
    ("equals-comments-continuations", """\
        ; a semicolon comment
        [table: ^t$]
        reads-upper-threshold = 75   # inline comment
        reads-lower-threshold: 25 ; inline comment
            # an indented comment line
        increase-consumed-reads-scale: {0: 0,
            80: 10,
            100: 100}
        circuit-breaker-url: http://host/health#frag
        """, {
        "tables[0].reads.upper_threshold": 75.0,
        "tables[0].reads.lower_threshold": 25.0,
        "tables[0].reads.increase_consumed_scale": ((0.0, 0.0), (80.0, 10.0), (100.0, 100.0)),
        "tables[0].circuit_breaker_url": "http://host/health#frag",
    }),
    ("boolean-spellings", """\
        [table: ^t$]
        enable-reads-autoscaling: no
        enable-writes-autoscaling: Off
        allow-scaling-down-reads-on-0-percent: yes
        allow-scaling-down-writes-on-0-percent: 1
        always-decrease-rw-together: TRUE
        decrease-pacing: 0
        """, {
        "tables[0].reads.enabled": False,
        "tables[0].writes.enabled": False,
        "tables[0].reads.allow_scale_down_at_0_percent": True,
        "tables[0].writes.allow_scale_down_at_0_percent": True,
        "tables[0].always_decrease_rw_together": True,
        "tables[0].decrease_plan.pacing": False,
    }),
    ("percent-sign-is-literal", """\
        [logging]
        log-file: /var/log/dd-%(name)s-%Y.log
        [table: ^t$]
        """, {
        "logging.file": "/var/log/dd-%(name)s-%Y.log",
    }),
    ("wrapping-window-and-sns", """\
        [table: ^t$]
        maintenance-windows: 23:00-01:00, 3:00-4:30
        sns-topic-arn: arn:aws:sns:eu-west-1:123456789012:dd
        sns-message-types: scale-up,error
        """, {
        "tables[0].maintenance_windows": (MaintenanceWindow(23 * 60, 60),
                                          MaintenanceWindow(180, 270)),
        "tables[0].sns_topic_arn": "arn:aws:sns:eu-west-1:123456789012:dd",
        "tables[0].sns_message_types": frozenset({"scale-up", "error"}),
    }),
    ("global-breaker-inherited-unless-own", """\
        [global]
        circuit-breaker-url: https://ops:pw@status.example.com/ok
        circuit-breaker-timeout: 500
        [table: ^a$]
        [table: ^b$]
        circuit-breaker-url: http://b.example.com/ok
        [gsi: ^i table: ^a$]
        """, {
        "tables[0].circuit_breaker_url": "https://ops:pw@status.example.com/ok",
        "tables[0].circuit_breaker_timeout_ms": 500.0,
        "tables[0].gsis[0].circuit_breaker_url": "https://ops:pw@status.example.com/ok",
        "tables[1].circuit_breaker_url": "http://b.example.com/ok",
    }),
    ("natural-secret-spelling", """\
        [global]
        aws-access-key-id: AKIA
        aws-secret-access-key: S3CR3T
        [table: ^t$]
        """, {
        "global_.aws_secret_access_key": "S3CR3T",
    }),
    ("whole-float-for-integer-and-regex-with-colon", """\
        [table: ^(?:orders|events):v2$]
        min-provisioned-reads: 10.0
        """, {
        "tables[0].key": "^(?:orders|events):v2$",
        "tables[0].reads.min_provisioned": 10,
    }),
]


@pytest.mark.parametrize("text,expected", [(t, e) for _, t, e in GOOD_FILES],
                         ids=[i for i, _, _ in GOOD_FILES])
def test_good_file_gives_expected_tree(tmp_path: Path, text: str,
                                       expected: dict[str, Any]) -> None:
    config = load(tmp_path, text)

    assert {path: pluck(config, path) for path in expected} == expected


def test_table_and_gsi_matching_first_section_wins(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        [table: ^orders]
        reads-upper-threshold: 70
        [table: ^orders-eu$]
        reads-upper-threshold: 95
        [gsi: ^by table: ^orders]
        writes-upper-threshold: 60
        [gsi: ^by_customer$ table: ^orders]
        writes-upper-threshold: 99
        """)

    table = config.table_policy("orders-eu")
    assert table is not None and table.reads.upper_threshold == 70
    gsi = table.gsi_policy("by_customer")
    assert gsi is not None and gsi.writes.upper_threshold == 60


# -- precedence with flags -------------------------------------------------------------
PRECEDENCE_FILE = """\
    [global]
    check-interval: 120
    region: eu-west-1
    [default_options]
    reads-upper-threshold: 80
    writes-upper-threshold: 75
    [table: ^t$]
    reads-upper-threshold: 85
    [gsi: ^i$ table: ^t$]
    writes-lower-threshold: 10
    """

PRECEDENCE = [
    ("file-alone", None, {}, {}, {
        "global_.check_interval": 120,
        "tables[0].reads.upper_threshold": 85.0,
        "tables[0].writes.upper_threshold": 75.0,
    }),
    ("flags-beat-section-and-defaults", None, {"reads-upper-threshold": "95"},
     {"check-interval": "60"}, {
        "global_.check_interval": 60,
        "global_.region": "eu-west-1",
        "tables[0].key": "^t$",
        "tables[0].reads.upper_threshold": 95.0,
        "tables[0].writes.upper_threshold": 75.0,
        "tables[0].gsis[0].reads.upper_threshold": 95.0,
        "tables[0].gsis[0].writes.lower_threshold": 10.0,
    }),
    ("table-name-replaces-file-tables", "^other$", {"writes-upper-threshold": "99"}, {}, {
        "global_.check_interval": 120,
        "tables[0].key": "^other$",
        "tables[0].reads.upper_threshold": 80.0,
        "tables[0].writes.upper_threshold": 99.0,
        "tables[0].gsis": (),
    }),
]


@pytest.mark.parametrize("table_name,table_values,global_values,expected",
                         [case[1:] for case in PRECEDENCE], ids=[case[0] for case in PRECEDENCE])
def test_precedence_defaults_section_flags(tmp_path: Path, table_name: str | None,
                                           table_values: dict[str, str],
                                           global_values: dict[str, str],
                                           expected: dict[str, Any]) -> None:
    config = load(tmp_path, PRECEDENCE_FILE, table_name, table_values, global_values)

    assert {path: pluck(config, path) for path in expected} == expected
    assert len(config.tables) == 1


def test_flags_alone_need_no_file() -> None:
    config = from_command_line("^t$", {"reads-upper-threshold": "70"}, {}, {})

    assert (config.tables[0].key, config.tables[0].reads.upper_threshold) == ("^t$", 70.0)
    assert config.source is None


# -- bad files: each its own message ---------------------------------------------------
BAD_FILES = [
    ("unknown-option-suggests", """\
        [table: ^t$]
        reads-upper-threshhold: 80
        """, ["[table: ^t$] reads-upper-threshhold: unknown option; "
              "did you mean reads-upper-threshold?"]),
    ("underscored-option-suggests", """\
        [table: ^t$]
        reads_upper_threshold: 80
        """, ["did you mean reads-upper-threshold?"]),
    ("option-in-wrong-section", """\
        [global]
        log-level: debug
        [table: ^t$]
        """, ["[global] log-level: unknown option here: log-level belongs in [logging]"]),
    ("table-option-in-global", """\
        [global]
        reads-upper-threshold: 80
        [table: ^t$]
        """, ["belongs in [default_options], a [table: ...] or a [gsi: ...] section"]),
    ("unknown-option-without-match", """\
        [table: ^t$]
        colour: blue
        """, ["[table: ^t$] colour: unknown option (see example-config.conf"]),
    ("unknown-section-suggests", """\
        [loging]
        log-level: info
        [table: ^t$]
        """, ["[loging]: unknown section; did you mean [logging]?"]),
    ("misspelt-table-header", """\
        [tabel: ^t$]
        [table: ^u$]
        """, ["[tabel: ^t$]: unknown section; did you mean [table: ^t$]?"]),
    ("DEFAULT-is-not-magic", """\
        [DEFAULT]
        reads-upper-threshold: 80
        [table: ^t$]
        """, ["[DEFAULT]: unknown section; did you mean [default_options]?"]),
    ("unknown-section-lists-forms", """\
        [tables]
        [table: ^t$]
        """, ["[tables]: unknown section; did you mean [table: <regex>]?"]),
    ("other-section-lists-forms", """\
        [zzz]
        [table: ^t$]
        """, ["[zzz]: unknown section; sections are [global], [logging], [default_options], "
              "[table: <regex>], [gsi: <regex> table: <table-key>]"]),
    ("not-an-integer", """\
        [global]
        check-interval: often
        [table: ^t$]
        """, ["[global] check-interval = 'often': expected an integer"]),
    ("fractional-integer", """\
        [table: ^t$]
        min-provisioned-reads: 2.5
        """, ["min-provisioned-reads = '2.5': expected an integer"]),
    ("not-a-number", """\
        [table: ^t$]
        reads-upper-threshold: ninety
        """, ["reads-upper-threshold = 'ninety': expected a number"]),
    ("not-a-boolean", """\
        [table: ^t$]
        enable-reads-autoscaling: maybe
        """, ["enable-reads-autoscaling = 'maybe': expected a boolean"]),
    ("bad-unit", """\
        [table: ^t$]
        increase-reads-unit: percents
        """, ["increase-reads-unit = 'percents': expected 'percent' or 'units'"]),
    ("negative-step", """\
        [table: ^t$]
        decrease-writes-with: -5
        """, ["decrease-writes-with = '-5': must not be negative"]),
    ("zero-check-interval", """\
        [global]
        check-interval: 0
        [table: ^t$]
        """, ["check-interval = '0': must be greater than 0"]),
    ("check-interval-too-long", """\
        [global]
        check-interval: 1e12
        [table: ^t$]
        """, ["check-interval = '1e12': must be at most 86400 seconds (a day)"]),
    ("bad-log-level", """\
        [logging]
        log-level: verbose
        [table: ^t$]
        """, ["[logging] log-level = 'verbose': expected debug, info, warning, error or "
              "critical"]),
    ("min-above-max", """\
        [table: ^t$]
        min-provisioned-reads: 100
        max-provisioned-reads: 50
        """, ["[table: ^t$] min-provisioned-reads: min-provisioned-reads (100) is above "
              "max-provisioned-reads (50)"]),
    ("min-above-default-max", """\
        [table: ^t$]
        min-provisioned-writes: 50000
        """, ["min-provisioned-writes (50000) is above the default maximum 40000"]),
    ("lower-above-upper", """\
        [table: ^t$]
        writes-lower-threshold: 95
        """, ["[table: ^t$] writes-lower-threshold: writes-lower-threshold (95) must be below "
              "writes-upper-threshold (90)"]),
    ("alarms-in-wrong-order", """\
        [table: ^t$]
        reads-upper-alarm-threshold: 20
        reads-lower-alarm-threshold: 40
        """, ["reads-lower-alarm-threshold (40) must be below reads-upper-alarm-threshold (20)"]),
    ("target-above-100", """\
        [table: ^t$]
        target-reads-utilisation: 120
        """, ["target-reads-utilisation (120) must be at most 100"]),
    ("lookback-reaches-future", """\
        [table: ^t$]
        lookback-window-start: 3
        lookback-period: 5
        """, ["[table: ^t$] lookback-period: lookback-period (5 min) is longer than "
              "lookback-window-start (3 min ago)"]),
    ("invalid-table-regex", """\
        [table: ^orders(]
        """, ["[table: ^orders(]: invalid regular expression '^orders('"]),
    ("invalid-gsi-regex", """\
        [table: ^t$]
        [gsi: [a-z table: ^t$]
        """, ["[gsi: [a-z table: ^t$]: invalid regular expression '[a-z'"]),
    ("empty-table-key", """\
        [table: ]
        """, ["[table: ]: a table section needs a regex: [table: <regex>]"]),
    ("malformed-gsi-header", """\
        [table: ^t$]
        [gsi: ^i$]
        """, ["[gsi: ^i$]: a GSI section is [gsi: <regex> table: <table-key>]"]),
    ("gsi-names-missing-table-key", """\
        [table: ^orders$]
        [gsi: ^i$ table: ^order$]
        """, ["[gsi: ^i$ table: ^order$]: names table key '^order$', but no "
              "[table: ^order$] section exists (the table key must be written exactly as in "
              "its section); did you mean '^orders$'?"]),
    ("gsi-table-key-is-not-a-regex-match", """\
        [table: ^orders$]
        [gsi: ^i$ table: orders]
        """, ["names table key 'orders', but no [table: orders] section exists"]),
    ("scale-not-a-dict", """\
        [table: ^t$]
        increase-consumed-reads-scale: [0, 10]
        """, ["increase-consumed-reads-scale = '[0, 10]': expected a non-empty dict"]),
    ("scale-is-code", """\
        [table: ^t$]
        decrease-consumed-writes-scale: {0: __import__('os').getpid()}
        """, ["decrease-consumed-writes-scale = \"{0: __import__('os').getpid()}\": expected a "
              "dict such as {0: 0, 80: 10, 100: 100}"]),
    ("scale-negative", """\
        [table: ^t$]
        increase-throttled-by-consumed-reads-scale: {0: -1}
        """, ["keys and values must not be negative"]),
    ("scale-not-numbers", """\
        [table: ^t$]
        increase-throttled-by-provisioned-writes-scale: {'a': 1}
        """, ["keys and values must be numbers"]),
    ("scale-infinite", """\
        [table: ^t$]
        increase-consumed-reads-scale: {1e999: 1}
        """, ["keys and values must be finite numbers"]),
    ("unknown-sns-type", """\
        [table: ^t$]
        sns-message-types: scale-up, scale-sideways, eror
        """, ["unknown message type(s) scale-sideways, eror; valid: error, "
              "high-throughput-alarm, low-throughput-alarm, scale-down, scale-up"]),
    ("bad-sns-arn", """\
        [table: ^t$]
        sns-topic-arn: my-topic
        """, ["sns-topic-arn = 'my-topic': expected an SNS topic ARN"]),
    ("window-hour-out-of-range", """\
        [table: ^t$]
        maintenance-windows: 22:00-24:00
        """, ["maintenance-windows = '22:00-24:00': '24:00' is not a time of day (00:00 to "
              "23:59)"]),
    ("window-without-end", """\
        [table: ^t$]
        maintenance-windows: 22:00
        """, ["'22:00' is not a window (start-end, e.g. 22:00-06:00)"]),
    ("breaker-not-http", """\
        [global]
        circuit-breaker-url: ftp://ops:hunter2@status.example.com/
        [table: ^t$]
        """, ["[global] circuit-breaker-url = 'ftp://ops:***@status.example.com/': expected an "
              "http:// or https:// URL"]),
    ("breaker-without-scheme", """\
        [table: ^t$]
        circuit-breaker-url: ops:hunter2@status.example.com
        """, ["[table: ^t$] circuit-breaker-url = '***': expected an http:// or https:// URL"]),
    ("bad-region", """\
        [global]
        region: us east 1
        [table: ^t$]
        """, ["region = 'us east 1': expected an AWS region name"]),
    ("key-without-secret", """\
        [global]
        aws-access-key-id: AKIAEXAMPLE
        [table: ^t$]
        """, ["[global] aws-access-key-id: aws-access-key-id is set but aws-secret-access-key "
              "is not"]),
    ("two-spellings-of-secret", """\
        [global]
        aws-access-key-id: AKIAEXAMPLE
        aws-secret-access-key-id: one
        aws-secret-access-key: two
        [table: ^t$]
        """, ["aws-secret-access-key-id and aws-secret-access-key are two spellings of one "
              "option; give only one"]),
    ("duplicate-section", """\
        [table: ^t$]
        [table: ^t$]
        """, ["line 2: section [table: ^t$] appears more than once"]),
    ("same-table-key-twice", """\
        [table: ^t$]
        [table:^t$]
        """, ["[table:^t$]: table key '^t$' is already used by [table: ^t$]"]),
    ("duplicate-option", """\
        [table: ^t$]
        reads-upper-threshold: 80
        reads-upper-threshold: 85
        """, ["[table: ^t$] reads-upper-threshold: line 3: option appears more than once in "
              "this section"]),
    ("no-section-header", """\
        reads-upper-threshold: 80
        [table: ^t$]
        """, ["line 1: option outside any section; the file must start with a section header"]),
    ("line-that-is-not-ini", """\
        [table: ^t$]
        reads-upper-threshold 80
        """, ["line 2: neither a [section] header nor an option (name: value or name = value)"]),
    ("no-table", """\
        [global]
        region: us-east-1
        """, ["no table to manage: give --table-name or a [table: <regex>] section in"]),
    ("empty-file", "", ["no table to manage"]),
]


@pytest.mark.parametrize("text,expected", [(t, e) for _, t, e in BAD_FILES],
                         ids=[i for i, _, _ in BAD_FILES])
def test_bad_file_gives_its_message(tmp_path: Path, text: str, expected: list[str]) -> None:
    problems = problems_of(tmp_path, text)

    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected), problems


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, """\
        [global]
        check-interval: often
        [loging]
        [default_options]
        reads-upper-threshold: 10
        reads-upper-threshold: 20
        [table: ^t$]
        reads-uper-threshold: 80
        min-provisioned-reads: 9
        max-provisioned-reads: 3
        sns-message-types: nope
        [gsi: ^i$ table: ^nope$]
        this is not an option
        """)

    assert len(problems) == 9, problems
    for fragment in ("check-interval", "[loging]", "line 6", "reads-uper-threshold",
                     "min-provisioned-reads (9)", "'nope'", "^nope$", "line 13",
                     "[default_options] reads-upper-threshold: reads-lower-threshold (30) must "
                     "be below reads-upper-threshold (10)"):
        assert any(fragment in p for p in problems), fragment


def test_each_problem_names_file_section_option_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        [table: ^t$]
        reads-upper-threshold: lots
        """)
    with pytest.raises(ConfigError) as excinfo:
        from_command_line(None, {}, {}, {}, config_file=path)

    (problem,) = excinfo.value.problems
    assert (problem.source, problem.section, problem.option, problem.value) == (
        path, "table: ^t$", "reads-upper-threshold", "lots")
    assert excinfo.value.report() == (f"configuration error: {path} [table: ^t$] "
                                      f"reads-upper-threshold = 'lots': expected a number")


def test_bad_default_is_reported_once_however_many_tables_use_it(tmp_path: Path) -> None:
    tables = "".join(f"[table: ^t{i}$]\n" for i in range(30))
    problems = problems_of(tmp_path, "[default_options]\nreads-upper-threshold: x\n"
                                     "min-provisioned-reads: 9\nmax-provisioned-reads: 3\n"
                                     + tables)

    assert problems == [
        f"{tmp_path / 'dd.conf'} [default_options] reads-upper-threshold = 'x': "
        f"expected a number",
        f"{tmp_path / 'dd.conf'} [default_options] min-provisioned-reads: "
        f"min-provisioned-reads (9) is above max-provisioned-reads (3)",
    ]


def test_conflict_across_layers_is_reported_at_the_table_section(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, """\
        [default_options]
        min-provisioned-reads: 100
        [table: ^a$]
        max-provisioned-reads: 50
        [table: ^b$]
        """)

    assert problems == [f"{tmp_path / 'dd.conf'} [table: ^a$] max-provisioned-reads: "
                        f"min-provisioned-reads (100) is above max-provisioned-reads (50)"]


def test_bad_flag_is_reported_as_command_line(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "[table: ^t$]\n", table_values={"lookback-period": "x"})

    assert problems == ["command line lookback-period = 'x': expected an integer"]


def test_table_name_still_checks_the_file_sections(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "[table: ^t$]\nreads-upper-threshold: x\n",
                           table_name="^other$")

    assert problems == [f"{tmp_path / 'dd.conf'} [table: ^t$] reads-upper-threshold = 'x': "
                        f"expected a number"]


def test_invalid_table_name_flag() -> None:
    with pytest.raises(ConfigError) as excinfo:
        from_command_line("orders[", {}, {}, {})

    assert [str(p) for p in excinfo.value.problems] == [
        "command line table-name: invalid regular expression 'orders[': unterminated "
        "character set at position 6"]


# -- files that cannot be read ---------------------------------------------------------
def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.conf")
    with pytest.raises(ConfigError) as excinfo:
        from_command_line(None, {}, {}, {}, config_file=path)

    assert excinfo.value.report() == f"configuration error: {path}: configuration file not found"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as excinfo:
        from_command_line(None, {}, {}, {}, config_file=str(tmp_path))

    assert "configuration file is a directory" in excinfo.value.report()


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.conf"
    path.write_bytes("[table: ^caf\xe9$]\n".encode("latin-1"))
    with pytest.raises(ConfigError) as excinfo:
        from_command_line(None, {}, {}, {}, config_file=str(path))

    assert "not UTF-8 text (byte 12 cannot be decoded)" in excinfo.value.report()


def test_unreadable_file(tmp_path: Path) -> None:
    # Any OSError but "not found" / "a directory" (permissions cannot be tested as root).
    path = str(tmp_path / ("x" * 300))
    with pytest.raises(ConfigError) as excinfo:
        from_command_line(None, {}, {}, {}, config_file=path)

    assert "cannot read configuration file: File name too long" in excinfo.value.report()


def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path, "[table: ^t$]\n", "home.conf")

    config = from_command_line(None, {}, {}, {}, config_file="~/home.conf")

    assert config.tables[0].key == "^t$"


def test_utf8_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "windows.conf"
    path.write_bytes(b"\xef\xbb\xbf[table: ^t$]\r\nreads-upper-threshold: 80\r\n")

    config = from_command_line(None, {}, {}, {}, config_file=str(path))

    assert config.tables[0].reads.upper_threshold == 80


# -- secrets ---------------------------------------------------------------------------
def test_secrets_never_appear_in_messages(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, """\
        [global]
        aws-access-key-id: AKIASECRETID
        aws-secret-access-key-id: hunter2secret
        aws-secret-access-key: hunter2other
        circuit-breaker-url: ftp://ops:hunter2pw@status/
        [table: ^t$]
        circuit-breaker-url: ops:hunter2bare@status
        [gsi: ^i$ table: ^t$]
        circuit-breaker-url: http://ops:hunter2port@status:99999/
        """)

    report = "\n".join(problems)
    assert len(problems) == 4, problems
    assert "hunter2" not in report and "AKIASECRETID" not in report
