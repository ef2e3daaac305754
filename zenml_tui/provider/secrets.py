"""zenml_secret: a ZenML secret (`/secrets`), as in the official provider v3.0.6.

Its values are in Terraform's state (as the official provider keeps them) and nowhere
else: never in a diagnostic, even when the server quotes what it was sent. An update
sends the keys the configuration no longer has as null, which is how ZenML removes
them (keys it is not sent, it keeps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tf import schema as s
from tf import types as t
from tf.iface import CreateContext, UpdateContext
from tf.utils import Diagnostics

from zenml_tui.provider.base import (
    State,
    ZenMLResource,
    computed_strings,
    map_attr,
    string_attr,
)
from zenml_tui.server.rest import ZenMLError


class Secret(ZenMLResource):
    kind = "secret"
    path = "/secrets"

    @classmethod
    def get_name(cls) -> str:
        return "secret"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                string_attr("id", computed=True),
                string_attr("name", required=True),
                s.Attribute("private", t.Bool(), optional=True, computed=True, default=False),
                map_attr("values", required=True, sensitive=True),
                *computed_strings("user_id", "created", "updated"),
            ]
        )

    def validate(self, diags: Diagnostics, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        name = config.get("name")
        if isinstance(name, str) and not 1 <= len(name) <= 255:
            diags.add_error(
                "Invalid Attribute Value Length",
                f"Attribute name string length must be between 1 and 255, got: {len(name)}",
                ["name"],
            )

    def state_of(self, resp: dict[str, Any], prior: State) -> State:
        body = resp.get("body") or {}
        values = body.get("values") or {}
        if any(v is None for v in values.values()):
            raise ZenMLError(
                403,
                "Unable to Read Secret Values",
                "ZenML did not return all values for this secret. Ensure the account "
                "configured for the provider can read secret values.",
            )
        return {
            "id": resp["id"],
            "name": resp["name"],
            "private": bool(body.get("private", False)),
            "values": {k: str(v) for k, v in values.items()},
            "user_id": body.get("user_id")
            or ((resp.get("resources") or {}).get("user") or {}).get("id"),
            "created": body.get("created"),
            "updated": body.get("updated"),
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        body = {
            "name": planned["name"],
            "private": bool(planned.get("private")),
            "values": planned.get("values") or {},
        }
        what = f"secret {planned['name']}"
        return self._hidden(
            ctx.diagnostics, planned, lambda: self.create_object(ctx, body, planned, what)
        )

    def update_body(self, st: State) -> dict[str, Any]:
        return {"name": st["name"], "private": bool(st.get("private")), "values": st.get("values")}

    def write_update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        values: dict[str, str | None] = dict(planned.get("values") or {})
        for key in current.get("values") or {}:
            values.setdefault(key, None)  # removed from the configuration: removed
        body = {"name": planned["name"], "private": bool(planned.get("private")), "values": values}
        what = f"secret {current['name']}"
        return self._hidden(
            ctx.diagnostics, planned, lambda: self.update_object(ctx, current, body, planned, what)
        )

    @staticmethod
    def _hidden(
        diags: Diagnostics, planned: State, write: Callable[[], State | None]
    ) -> State | None:
        """Run `write`; what it adds to `diags` is scrubbed of the secret's values."""
        before = len(diags.diagnostics)
        result = write()
        secrets = sorted((v for v in (planned.get("values") or {}).values() if v), key=len)
        for d in diags.diagnostics[before:]:
            for value in reversed(secrets):  # the longest first: one may hold another
                d.summary = d.summary.replace(value, "(hidden)")
                d.detail = (d.detail or "").replace(value, "(hidden)")
        return result
