"""The server side of the launcher's control API: JSON over HTTP under ``/_launcher/``.

Routes (the client is :class:`dynamic_dynamodb.localaws.control.LauncherControl`):

* ``GET health``, ``GET state`` (clock, update delay, quota, faults, calls, books),
  ``GET calls`` (requests per ``service.Operation``), ``POST reset`` (``{"moto": bool}``);
* ``GET calls/journal``: the last AWS calls in arrival order, each ``{"at": epoch
  (launcher clock), "service", "operation", "region", "table", "access_key"}``; the
  query filters by ``service``, ``operation``, ``table`` or ``access_key``;
* ``GET/POST time``: ``{"now": epoch, "frozen": bool}``, ``{"advance": s}``, ``{"real": true}``;
* ``POST update-delay``: ``{"seconds": s}`` a table stays UPDATING after an UpdateTable;
* ``GET/POST resource``: one table's (or GSI's) decrease bookkeeping;
* ``GET/POST/DELETE faults``: list the armed ones, inject one (the fields and kinds are in
  :mod:`dynamic_dynamodb.localaws.faults`), clear all; ``GET faults/spent``: the last
  faults used up, each with ``applied`` (answers it changed).

Bad arguments get HTTP 400 with ``{"error": ...}``; an unknown route gets 404.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dynamic_dynamodb.localaws.faults import ControlError
from dynamic_dynamodb.localaws.update_rules import ResourceKey
from dynamic_dynamodb.localaws.wire import Reply, WsgiEnviron, json_object, json_reply

if TYPE_CHECKING:
    from dynamic_dynamodb.localaws.app import LauncherApp

Handler = Callable[[dict[str, Any]], Any]


class ControlApi:
    """Answers control calls against one :class:`LauncherApp`."""

    def __init__(self, app: LauncherApp) -> None:
        self.app = app
        self._routes: dict[tuple[str, str], Handler] = {
            ("GET", "health"): lambda _: {"ok": True},
            ("GET", "state"): lambda _: self.state(),
            ("GET", "calls"): lambda _: dict(app.calls),
            ("GET", "calls/journal"): self._journal,
            ("POST", "reset"): self._reset,
            ("GET", "time"): lambda _: self._time_json(),
            ("POST", "time"): self._set_time,
            ("POST", "update-delay"): self._set_update_delay,
            ("GET", "resource"): self._get_resource,
            ("POST", "resource"): self._set_resource,
            ("GET", "faults"): lambda _: [f.to_json() for f in app.faults.armed()],
            ("GET", "faults/spent"): lambda _: [f.to_json() for f in app.faults.spent()],
            ("POST", "faults"): lambda data: app.faults.add(data).to_json(),
            ("DELETE", "faults"): self._clear_faults,
        }

    def handle(self, environ: WsgiEnviron, route: str, body: bytes) -> Reply:
        method = environ.get("REQUEST_METHOD", "GET")
        handler = self._routes.get((method, route.strip("/")))
        if handler is None:
            return json_reply(404, {"error": f"no control route {method} /{route}"})
        query_string = environ.get("QUERY_STRING", "")
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(query_string).items()}
        try:
            data = json_object(body) if body else {}
            with self.app.lock:
                return json_reply(200, handler({**query, **data}))
        except (ControlError, TypeError, ValueError, KeyError) as exc:
            return json_reply(400, {"error": f"{type(exc).__name__}: {exc}"})

    def state(self) -> dict[str, Any]:
        app = self.app
        now = app.clock.now()
        return {
            **self._time_json(),
            "update_delay": app.rules.update_delay,
            "max_capacity": app.rules.max_capacity,
            "faults": [f.to_json() for f in app.faults.armed()],
            "spent_faults": [f.to_json() for f in app.faults.spent()],
            "calls": dict(app.calls),
            "resources": app.rules.state(now),
        }

    def _time_json(self) -> dict[str, Any]:
        return {"now": self.app.clock.now(), "frozen": self.app.clock.frozen}

    def _reset(self, data: dict[str, Any]) -> Any:
        self.app.reset(moto=bool(data.get("moto", True)))
        return {"ok": True}

    def _set_time(self, data: dict[str, Any]) -> Any:
        clock = self.app.clock
        if data.get("real"):
            clock.reset()
        if data.get("now") is not None:
            clock.set(float(data["now"]), frozen=bool(data.get("frozen", False)))
        if data.get("advance") is not None:
            clock.advance(float(data["advance"]))
        return self._time_json()

    def _set_update_delay(self, data: dict[str, Any]) -> Any:
        seconds = float(data["seconds"])
        if seconds < 0:
            raise ControlError("update delay must be >= 0")
        self.app.rules.update_delay = seconds
        return {"update_delay": seconds}

    @staticmethod
    def _resource_key(data: dict[str, Any]) -> ResourceKey:
        if not data.get("table"):
            raise ControlError("'table' is required")
        return str(data.get("region") or "us-east-1"), str(data["table"]), data.get("index") or None

    def _get_resource(self, data: dict[str, Any]) -> Any:
        return self.app.rules.peek(self._resource_key(data)).to_json(self.app.clock.now())

    def _set_resource(self, data: dict[str, Any]) -> Any:
        now = self.app.clock.now()
        book = self.app.rules.overwrite(
            self._resource_key(data),
            now,
            decreases_today=_maybe(int, data.get("decreases_today")),
            last_decrease=_maybe(float, data.get("last_decrease")),
            last_increase=_maybe(float, data.get("last_increase")),
        )
        return book.to_json(now)

    def _journal(self, data: dict[str, Any]) -> Any:
        wanted = {k: data[k] for k in ("service", "operation", "table", "access_key")
                  if data.get(k)}
        return [entry for entry in self.app.journal
                if all(entry[k] == v for k, v in wanted.items())]

    def _clear_faults(self, _: dict[str, Any]) -> Any:
        self.app.faults.clear()
        return {"ok": True}


def _maybe(convert: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else convert(value)
