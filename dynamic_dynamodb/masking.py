"""Secret masking: how a secret value may be shown in messages, --show-config and logs.

A leaf module (standard library only), so that config/, logsetup and breaker can all
use it without importing one another. The rules:

- a URL keeps everything but its password: ``https://user:***@host/path``;
- any other secret (an AWS secret key) is shown as ``***``;
- a text (a log line, a traceback) has every known secret value and every URL
  password replaced by ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# ``scheme://user:password@``: the password part, wherever it appears in a text.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@")
_URL_CREDENTIALS = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@]*:([^@/]+)@")
# Shorter values are not masked in free text: "abc" would mangle every other word.
MIN_MASKED_LENGTH = 4


def mask_url(url: str) -> str:
    """The URL as it may be logged: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:{MASK}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def mask_value(value: str, is_url: bool = False) -> str:
    """A secret value as it may be shown: a URL keeps all but its password.

    Anything that does not parse as a URL with its credentials in the host part is
    masked whole: ``user:secret@host`` without a scheme would otherwise slip through.
    """
    if is_url:
        try:
            shown = mask_url(value)
            host_part = urlsplit(value).netloc
        except ValueError:
            return MASK
        if "@" not in value or ("@" in host_part and shown != value):
            return shown
    return MASK


def url_password(url: str) -> str | None:
    """The password of ``scheme://user:password@host...``, or None."""
    match = _URL_CREDENTIALS.match(url)
    return match.group(1) if match else None


class Redactor:
    """Masks known secret values and URL passwords in free text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_MASKED_LENGTH},
                              key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return _URL_PASSWORD.sub(rf"\g<head>{MASK}@", text)
