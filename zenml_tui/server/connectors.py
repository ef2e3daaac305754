"""A service connector's health as its server sees it: when its credentials expire, and
what the server answers when asked to verify it.

ZenML 0.98 verifies a registered connector at `PUT /api/v1/service_connectors/{id}/verify`
(`list_resources=true`, as `zenml service-connector verify` does): the answer lists, per
resource type, the resources the connector reaches or the error it met, with a global
error when it cannot authenticate at all (expired credentials, say). A connector type the
server has no implementation of is refused with HTTP 501, a configuration it cannot use
with 400/422: that refusal is the server's verdict on the connector too. Any other failure
(unreachable, timed out, credentials refused, gone) is an error, not a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zenml_tui.server.rest import ZenMLClient, ZenMLError

VERDICTS = (400, 422, 501)  # HTTP statuses that say the connector cannot be verified


def expiry(item: dict[str, Any]) -> str:
    """The connector's `expires_at` (ISO 8601, UTC) as the server gives it, or "never"."""
    expires = (item.get("body") or {}).get("expires_at")
    return str(expires) if expires else "never"


@dataclass(frozen=True)
class Reach:
    """One resource type of a verified connector: what it reaches, or its error."""

    resource_type: str
    resources: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class Verification:
    connector: str  # its name
    valid: bool
    error: str = ""  # the server's global error, or its refusal
    reach: tuple[Reach, ...] = field(default_factory=tuple)


def verify(client: ZenMLClient, connector_id: str, name: str) -> Verification:
    """Ask the server to verify the connector; its answer, valid or not."""
    try:
        data = client.put(f"/service_connectors/{connector_id}/verify", None, list_resources="true")
    except ZenMLError as exc:
        if exc.status not in VERDICTS:
            raise
        refusal = f"{exc.error_type}: {exc.detail}" if exc.error_type else exc.detail
        return Verification(name, False, refusal)
    if not isinstance(data, dict):
        raise ZenMLError(0, "", "the server's answer to a verification is not an object")
    reach = tuple(
        Reach(
            str(r.get("resource_type") or ""),
            tuple(str(x) for x in r.get("resource_ids") or ()),
            str(r.get("error") or ""),
        )
        for r in data.get("resources") or []
        if isinstance(r, dict)
    )
    error = str(data.get("error") or "")
    valid = not error and (not reach or any(not r.error for r in reach))
    return Verification(name, valid, error, reach)
