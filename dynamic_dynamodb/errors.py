"""Specific exceptions. Only cli.py turns them into exit codes."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration, located as precisely as known."""

    message: str
    option: str | None = None
    section: str | None = None
    value: str | None = None
    source: str | None = None  # the file, or "command line"

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.section:
            where.append(f"[{self.section}]")
        if self.option:
            where.append(self.option)
        prefix = " ".join(where)
        value = f" = {self.value!r}" if self.value is not None else ""
        return f"{prefix}{value}: {self.message}" if prefix else self.message


class DynamicDynamoDBError(Exception):
    """Base of the project's own errors."""


class ConfigError(DynamicDynamoDBError):
    """The configuration is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        if len(self.problems) == 1:
            return f"configuration error: {self.problems[0]}"
        lines = [f"configuration error: {len(self.problems)} problems"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class AwsError(DynamicDynamoDBError):
    """An AWS call failed; ``code`` is AWS's error code or a short kind."""

    def __init__(self, message: str, code: str = "Unknown", transient: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient


class AwsSetupError(AwsError):
    """AWS cannot be reached at all: no credentials, no region, endpoint unreachable."""

    def __init__(self, message: str, code: str = "Setup") -> None:
        super().__init__(message, code, transient=False)


class TableGone(AwsError):
    """The table was deleted between ListTables and DescribeTable."""

    def __init__(self, table: str) -> None:
        super().__init__(f"table {table} no longer exists", "ResourceNotFoundException")


class BadAnswer(AwsError):
    """AWS answered 200 with something that cannot be read (not JSON, the wrong shape, a
    field of the wrong type, paging that never ends): it fails only its own batch or
    table, and never counts as success."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "BadAnswer")


class UpdateUnconfirmed(AwsError):
    """An UpdateTable was sent but its outcome is unknown (a timeout or a reset
    connection after sending, an answer that cannot be read): DynamoDB may or may not
    have applied it. DescribeTable tells in the next cycle."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "UpdateUnconfirmed")


class Stopped(DynamicDynamoDBError):
    """A stop was requested: the exchange in hand was not started or not continued."""


class DaemonError(DynamicDynamoDBError):
    """Daemon control failed (already running, cannot stop, ...)."""
