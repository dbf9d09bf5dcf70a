"""Raw option values from one place: a section of a file, or the command line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CLI = "command line"


@dataclass(frozen=True)
class Layer:
    """Option name -> text as written, and where it was written."""

    values: Mapping[str, str]
    source: str = CLI
    section: str | None = None

    @property
    def origin(self) -> str:
        """Where a value of this layer came from, as --show-config says it."""
        if self.section is None:
            return self.source
        return f"{self.source} [{self.section}]"
