"""Python client for the launcher's control API (``/_launcher/...``, JSON over HTTP).

Standard library only, so tests and the ``demo`` command can drive a launcher that runs in
another process without importing moto.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

CONTROL_PREFIX = "/_launcher"

# A direct opener: the launcher is on loopback, and an HTTP(S)_PROXY in the environment
# must never capture control calls.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# ``value`` not given (None is a value: ``replace`` with JSON null).
_UNSET: Any = object()


class LauncherError(RuntimeError):
    """The control API refused a call (bad arguments) or could not be reached."""


def _epoch(value: float | datetime | None) -> float | None:
    """Accept epoch seconds or an aware datetime; the wire format is epoch seconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("use an aware datetime (UTC) for launcher times")
        return value.timestamp()
    return value


class LauncherControl:
    """Drives one launcher: fake time, decrease counters, update delay, faults, reset.

    The routes it calls are listed in :mod:`dynamic_dynamodb.localaws.control_api`.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    # -- transport ---------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        url = f"{self.url}{CONTROL_PREFIX}/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise LauncherError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc
        except OSError as exc:
            raise LauncherError(f"{method} {path}: launcher unreachable: {exc}") from exc

    # -- status ------------------------------------------------------------------------
    def health(self) -> bool:
        """True when the launcher answers; never raises."""
        try:
            return bool(self._call("GET", "health").get("ok"))
        except LauncherError:
            return False

    def state(self) -> dict[str, Any]:
        """Everything the launcher keeps: clock, update delay, faults, resources, calls."""
        result: dict[str, Any] = self._call("GET", "state")
        return result

    def calls(self) -> dict[str, int]:
        """How many requests each ``service.Operation`` received since the last reset."""
        result: dict[str, int] = self._call("GET", "calls")
        return result

    def journal(self, **match: str) -> list[dict[str, Any]]:
        """The last AWS calls in arrival order (``at``, ``service``, ``operation``,
        ``region``, ``table``, ``access_key``), those whose fields equal ``match``'s."""
        result: list[dict[str, Any]] = self._call("GET", "calls/journal", query=match)
        return result

    def reset(self, moto: bool = True) -> None:
        """Forget faults, counters, fake time and delay; with ``moto`` also moto's data."""
        self._call("POST", "reset", {"moto": moto})

    # -- clock -------------------------------------------------------------------------
    def now(self) -> float:
        """The launcher's current time (epoch seconds)."""
        return float(self._call("GET", "time")["now"])

    def set_time(self, now: float | datetime, frozen: bool = False) -> float:
        """Make the launcher's clock read ``now``; it keeps ticking unless ``frozen``."""
        return float(self._call("POST", "time", {"now": _epoch(now), "frozen": frozen})["now"])

    def advance_time(self, seconds: float) -> float:
        """Move the launcher's clock forward (works frozen or ticking)."""
        return float(self._call("POST", "time", {"advance": seconds})["now"])

    def use_real_time(self) -> float:
        """Back to the wall clock."""
        return float(self._call("POST", "time", {"real": True})["now"])

    # -- DynamoDB semantics ------------------------------------------------------------
    def set_update_delay(self, seconds: float) -> None:
        """Seconds (launcher time) a table/GSI stays UPDATING after a successful UpdateTable."""
        self._call("POST", "update-delay", {"seconds": seconds})

    def set_resource(
        self,
        table: str,
        index: str | None = None,
        *,
        region: str = "us-east-1",
        decreases_today: int | None = None,
        last_decrease: float | datetime | None = None,
        last_increase: float | datetime | None = None,
    ) -> dict[str, Any]:
        """Overwrite a table's (or GSI's) decrease bookkeeping; omitted fields stay as they are.

        ``decreases_today`` counts for the launcher's current UTC day.
        """
        payload: dict[str, Any] = {"table": table, "index": index, "region": region}
        if decreases_today is not None:
            payload["decreases_today"] = decreases_today
        if last_decrease is not None:
            payload["last_decrease"] = _epoch(last_decrease)
        if last_increase is not None:
            payload["last_increase"] = _epoch(last_increase)
        result: dict[str, Any] = self._call("POST", "resource", payload)
        return result

    def get_resource(
        self, table: str, index: str | None = None, region: str = "us-east-1"
    ) -> dict[str, Any]:
        """The launcher's bookkeeping for one table or GSI (zeros if it never changed)."""
        query = {"table": table, "region": region}
        if index is not None:
            query["index"] = index
        result: dict[str, Any] = self._call("GET", "resource", query=query)
        return result

    # -- faults ------------------------------------------------------------------------
    def inject_fault(
        self,
        service: str,
        operation: str,
        kind: str = "internal_error",
        *,
        count: int = 1,
        table: str | None = None,
        account: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        code: str | None = None,
        status: int | None = None,
        message: str | None = None,
        path: str | None = None,
        value: Any = _UNSET,
        seconds: float | None = None,
        token: str | None = None,
        body: str | None = None,
    ) -> dict[str, Any]:
        """Make the next ``count`` matching calls misbehave (``count=-1``: until cleared).

        ``service``: ``dynamodb``, ``cloudwatch`` (alias ``monitoring``), ``sns``,
        ``application-autoscaling``...; ``operation``: e.g. ``DescribeTable``,
        ``GetMetricData``, ``*`` for any; ``table``: only calls whose request names this
        TableName; ``account``/``region``: only calls made with that account's
        credentials / signed for that region; ``access_key``: only calls signed with
        this access key id. ``kind`` and its own arguments
        (``code``/``status``/``message`` for errors, ``path``/``value`` for
        ``drop``/``replace``/``empty``, ``seconds`` for ``delay``/``hang``, ``token``
        for ``endless_token``, ``body`` for ``non_json``, ``value`` for ``wrong_shape``)
        are described in
        :mod:`dynamic_dynamodb.localaws.faults`. Returns the fault as the launcher holds it.
        """
        payload: dict[str, Any] = {
            "service": service,
            "operation": operation,
            "kind": kind,
            "count": count,
            "table": table,
            "account": account,
            "region": region,
            "access_key": access_key,
            "code": code,
            "status": status,
            "message": message,
            "path": path,
            "seconds": seconds,
            "token": token,
            "body": body,
        }
        if value is not _UNSET:
            payload["value"] = value
        result: dict[str, Any] = self._call("POST", "faults", payload)
        return result

    def inject_faults(self, *specs: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Inject several faults in order, each a mapping of :meth:`inject_fault`'s
        arguments: a row of a table of cases can carry its faults as plain dicts."""
        return [self.inject_fault(**spec) for spec in specs]

    def faults(self) -> list[dict[str, Any]]:
        """Faults still armed."""
        result: list[dict[str, Any]] = self._call("GET", "faults")
        return result

    def spent_faults(self) -> list[dict[str, Any]]:
        """Faults used up (their ``count`` reached), oldest first, with ``applied``."""
        result: list[dict[str, Any]] = self._call("GET", "faults/spent")
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")


H = TypeVar("H", bound="LauncherHandle")


class LauncherHandle(ABC):
    """A launcher this process runs (in a thread or a child): its URL, a control client,
    and ``with`` support (start on entry, stop on exit)."""

    @property
    @abstractmethod
    def url(self) -> str: ...

    @abstractmethod
    def start(self: H) -> H: ...

    @abstractmethod
    def stop(self) -> None: ...

    @property
    def control(self) -> LauncherControl:
        return LauncherControl(self.url)

    def __enter__(self: H) -> H:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
