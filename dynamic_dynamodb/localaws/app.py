"""The launcher's WSGI app: moto's server with DynamoDB's UpdateTable rules and faults.

Every request passes through :class:`LauncherApp`. Control calls (``/_launcher/...``, see
:mod:`dynamic_dynamodb.localaws.control_api`) are answered here; an AWS call may meet an
injected fault (:mod:`dynamic_dynamodb.localaws.faults`); DynamoDB's DescribeTable and
UpdateTable get the rules moto lacks (:mod:`dynamic_dynamodb.localaws.update_rules`);
everything else goes to moto unchanged, unless an answer mutation is armed for it
(:mod:`dynamic_dynamodb.localaws.mutations`): then moto's answer is captured and edited.

moto and werkzeug are imported inside functions only, so importing this module is cheap.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any

from dynamic_dynamodb.localaws.clock import ClockLike, LauncherClock, as_launcher_clock
from dynamic_dynamodb.localaws.control import CONTROL_PREFIX
from dynamic_dynamodb.localaws.faults import FaultBook
from dynamic_dynamodb.localaws.mutations import forget_made_up_token, mutate
from dynamic_dynamodb.localaws.update_rules import (
    DEFAULT_MAX_CAPACITY,
    UpdateRules,
    requested_changes,
)
from dynamic_dynamodb.localaws.wire import (
    DYNAMODB_JSON,
    DYNAMODB_TARGET_PREFIX,
    AwsCall,
    Reply,
    StartResponse,
    WsgiApp,
    WsgiEnviron,
    capture,
    dynamodb_error,
    identify_call,
    inflate_body,
    read_body,
    set_body,
)

# The journal keeps the last this many AWS calls.
JOURNAL_SIZE = 20_000


class LauncherApp:
    """WSGI middleware: DynamoDB's UpdateTable semantics, faults and a control API on moto."""

    def __init__(
        self,
        inner: WsgiApp,
        *,
        clock: LauncherClock | None = None,
        update_delay: float = 0.0,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
    ) -> None:
        from dynamic_dynamodb.localaws.control_api import ControlApi

        self._inner = inner
        self.clock = clock or LauncherClock()
        self.rules = UpdateRules(update_delay, max_capacity)
        self.faults = FaultBook()
        self.calls: Counter[str] = Counter()
        # Each call as it arrived: when (launcher clock), what, on which table, by whom.
        self.journal: deque[dict[str, Any]] = deque(maxlen=JOURNAL_SIZE)
        # One lock for all bookkeeping; UpdateTable holds it from check to commit so two
        # concurrent updates cannot both spend the last allowed decrease.
        self.lock = threading.RLock()
        self._control = ControlApi(self)

    # -- entry point ---------------------------------------------------------------------
    def __call__(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        body = read_body(environ)
        if path.startswith(CONTROL_PREFIX + "/"):
            route = path[len(CONTROL_PREFIX) + 1 :]
            return self._control.handle(environ, route, body).send(start_response)
        body = inflate_body(environ, body)
        call = identify_call(environ, body)
        reply = self._handle(environ, call, body) if call else None
        if reply is None:
            return self._inner(environ, start_response)
        return reply.send(start_response)

    def _handle(self, environ: WsgiEnviron, call: AwsCall, body: bytes) -> Reply | None:
        """A reply of our own, or None to let moto answer unchanged."""
        with self.lock:
            self.calls[call.key] += 1
            if self.faults.wants_account():
                call = dataclasses.replace(call, account=caller_account(call.access_key))
            self.journal.append({
                "at": self.clock.now(), "service": call.service, "operation": call.operation,
                "region": call.region, "table": call.table, "access_key": call.access_key})
            plan = self.faults.take(call)
        fault = plan.before
        if fault is not None:
            fault.applied += 1
        if fault is not None and fault.kind == "hang":
            time.sleep(fault.seconds or 0.0)  # the client gives up; nothing was applied
        if fault is not None and fault.kind != "delete_table":
            return fault.reply(call)
        if fault is not None and fault.table:
            self._delete_table(environ, call.region, fault.table)
        body = forget_made_up_token(environ, call, body)
        reply = self._serve(environ, call, body)
        if not plan.mutations:
            return reply
        with self.lock:
            reply, delay = mutate(call, reply or self._forward(environ, body), plan.mutations)
        time.sleep(delay)
        return reply

    def _serve(self, environ: WsgiEnviron, call: AwsCall, body: bytes) -> Reply | None:
        """DynamoDB's rules where moto lacks them; None where moto's answer is right."""
        if call.service != "dynamodb":
            return None
        if call.operation == "UpdateTable":
            return self._update_table(environ, call, body)
        if call.operation == "DescribeTable":
            return self._describe_table(environ, call, body)
        if call.operation in ("CreateTable", "DeleteTable") and call.table:
            with self.lock:
                self.rules.forget(call.region, call.table)
        return None

    # -- moto sub-requests ---------------------------------------------------------------
    def _forward(self, environ: WsgiEnviron, body: bytes) -> Reply:
        set_body(environ, body)
        return capture(self._inner, environ)

    def _dynamodb(self, environ: WsgiEnviron, region: str, operation: str, payload: Any) -> Reply:
        """Call moto's DynamoDB directly, in the caller's account and region."""
        from werkzeug.test import EnvironBuilder

        # moto routes on the SigV4 scope and does not check signatures.
        auth: str = environ.get("HTTP_AUTHORIZATION") or (
            f"AWS4-HMAC-SHA256 Credential=testing/20200101/{region}/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0"
        )
        headers: dict[str, str] = {
            "Authorization": auth,
            "X-Amz-Target": f"{DYNAMODB_TARGET_PREFIX}.{operation}",
            "Content-Type": DYNAMODB_JSON,
        }
        builder = EnvironBuilder(
            path="/", method="POST", headers=list(headers.items()), data=json.dumps(payload)
        )
        try:
            return capture(self._inner, builder.get_environ())
        finally:
            builder.close()

    def _describe_raw(self, environ: WsgiEnviron, region: str, table: str) -> dict[str, Any] | None:
        reply = self._dynamodb(environ, region, "DescribeTable", {"TableName": table})
        return reply.json().get("Table") if reply.status == 200 else None

    def _delete_table(self, environ: WsgiEnviron, region: str, table: str) -> None:
        self._dynamodb(environ, region, "DeleteTable", {"TableName": table})
        with self.lock:
            self.rules.forget(region, table)

    def reset_moto(self) -> None:
        """Empty moto's backends (every service, every region)."""
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(path="/moto-api/reset", method="POST")
        try:
            capture(self._inner, builder.get_environ())
        finally:
            builder.close()

    # -- DynamoDB semantics --------------------------------------------------------------
    def _describe_table(self, environ: WsgiEnviron, call: AwsCall, body: bytes) -> Reply:
        reply = self._forward(environ, body)
        if reply.status != 200:
            return reply
        payload = reply.json()
        self._decorate(call.region, payload.get("Table", {}))
        return reply.with_json(payload)

    def _update_table(self, environ: WsgiEnviron, call: AwsCall, body: bytes) -> Reply | None:
        name = call.table
        if name is None:
            return None  # malformed: moto answers
        with self.lock:
            now = self.clock.now()
            refusal = self.rules.busy(call.region, name, now)
            if refusal is not None:
                return dynamodb_error(400, refusal.code, refusal.message)
            table = self._describe_raw(environ, call.region, name)
            if table is None:
                return self._forward(environ, body)  # moto's ResourceNotFoundException
            changes = requested_changes(call.params, table)
            refusal = self.rules.refusal(call.region, name, changes, now)
            if refusal is not None:
                return dynamodb_error(400, refusal.code, refusal.message)
            reply = self._forward(environ, body)
            if reply.status != 200:
                return reply
            self.rules.commit(call.region, name, changes, now)
            payload = reply.json()
            self._decorate(call.region, payload.get("TableDescription", {}))
            return reply.with_json(payload)

    def _decorate(self, region: str, table: dict[str, Any]) -> None:
        with self.lock:
            self.rules.decorate(region, table, self.clock.now())

    # -- state -----------------------------------------------------------------------------
    def reset(self, moto: bool = True) -> None:
        """Back to the state at start-up (and an empty moto, unless ``moto`` is False)."""
        with self.lock:
            self.rules.reset()
            self.faults.clear()
            self.calls.clear()
            self.journal.clear()
            self.clock.reset()
        if moto:
            self.reset_moto()


def caller_account(access_key: str | None) -> str:
    """The account moto serves a caller with these credentials (moto imported now)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key) if access_key else DEFAULT_ACCOUNT_ID


def build_app(
    *,
    update_delay: float = 0.0,
    clock: ClockLike | None = None,
    max_capacity: int = DEFAULT_MAX_CAPACITY,
) -> LauncherApp:
    """moto's multi-service server app wrapped in the launcher (imports moto now)."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    inner = DomainDispatcherApplication(create_backend_app)
    return LauncherApp(
        inner,
        clock=as_launcher_clock(clock),
        update_delay=update_delay,
        max_capacity=max_capacity,
    )
