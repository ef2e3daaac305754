"""Verify a service connector on an environment's server, for `zenml-tui connector
verify` and the Server tab's "v": the server's answer, with the value of every secret the
platform declares (those set in this process) masked, should the server's words quote one.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.servers import connect, explained
from zenml_tui.ops.session import Session
from zenml_tui.server.connectors import Reach, Verification, verify
from zenml_tui.server.rest import ZenMLError

__all__ = ["Verification", "expiry_text", "masked", "summary", "verify_connector"]

SHOWN = 3  # resources named per resource type


def verify_connector(
    session: Session, environment: str, name: str | None = None, connector_id: str | None = None
) -> Verification:
    """The server's verdict on the connector named `name` (or with `connector_id`)."""
    client = connect(session, environment, start=False)
    try:
        if connector_id is None:
            found = [
                c for c in client.list_all("/service_connectors", name=name) if c["name"] == name
            ]
            if not found:
                raise ZenMLTUIError(
                    f"no service connector '{name}' on the server of '{environment}'",
                    kind=Kind.NOT_FOUND,
                    hint=f"list them: zenml-tui status --env {environment}",
                )
            connector_id, name = str(found[0]["id"]), str(found[0]["name"])
        elif name is None:
            name = str(client.get(f"/service_connectors/{connector_id}").get("name"))
        answer = verify(client, connector_id, name)
    except ZenMLError as exc:
        raise explained(session, environment, exc) from None
    return masked(session, answer)


def masked(session: Session, answer: Verification) -> Verification:
    """The answer with each declared secret's value (as set here, also JSON-escaped)
    shown as «secret:NAME»."""
    values = {
        name: os.environ[s.env]
        for name, s in session.platform.spec.secrets.items()
        if len(os.environ.get(s.env, "")) >= 4
    }

    def mask(text: str) -> str:
        for name, value in values.items():
            for form in (value, json.dumps(value)[1:-1]):
                text = text.replace(form, f"«secret:{name}»")
        return text

    reach = tuple(
        Reach(mask(r.resource_type), tuple(mask(x) for x in r.resources), mask(r.error))
        for r in answer.reach
    )
    return replace(answer, error=mask(answer.error), reach=reach)


def summary(answer: Verification) -> str:
    """One line: "valid: reaches ..." or "invalid: <the server's error>"."""
    parts = []
    for r in answer.reach:
        if r.error:
            parts.append(f"{r.resource_type}: {r.error}")
        elif r.resources:
            more = len(r.resources) - SHOWN
            named = ", ".join(r.resources[:SHOWN]) + (f" and {more} more" if more > 0 else "")
            parts.append(f"{r.resource_type}: {named}")
        else:
            parts.append(f"{r.resource_type}: reachable")
    if answer.valid:
        return "valid" + (f" ({'; '.join(parts)})" if parts else "")
    why = answer.error or "; ".join(parts) or "the server gave no reason"
    return f"invalid: {why}"


def expiry_text(expires: str, now: datetime | None = None) -> str:
    """A connector's expiry as shown: "never", or the time (UTC, to the minute) and
    "(expired)" once it has passed."""
    if not expires or expires == "never":
        return "never"
    try:
        moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        return expires
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the server's times are UTC
    shown = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{shown} (expired)" if moment <= (now or datetime.now(UTC)) else shown
