"""Resources: zenml_service_connector, zenml_stack_component, zenml_stack.

Attribute names, types, flags and replace rules follow the official provider v3.0.6
(see the provider-schema reference). A read of an object that is gone from the server
returns None, which removes it from state so the next plan re-creates it.
"""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

from tf import schema as s
from tf import types as t
from tf.iface import (
    CreateContext,
    DeleteContext,
    ImportContext,
    PlanContext,
    ReadContext,
    State,
    UpdateContext,
    UpgradeContext,
)
from tf.types import Unknown
from tf.utils import Diagnostics

from zenml_tui.provider.provider import ZenMLProvider, api_error
from zenml_tui.provider.values import empty_as, merge_config
from zenml_tui.server.rest import ZenMLClient, ZenMLError
from zenml_tui.zenml_vocab import COMPONENT_TYPES, CONNECTOR_TYPES, REQUIRED_IN_STACK


def _str(name: str, **flags: Any) -> s.Attribute:
    return s.Attribute(name, t.String(), **flags)


def _map(name: str, **flags: Any) -> s.Attribute:
    return s.Attribute(name, t.Map(t.String()), **flags)


def _computed(*names: str) -> list[s.Attribute]:
    return [_str(n, computed=True) for n in names]


class _Base:
    """Shared plumbing: the configured client and error reporting."""

    kind = ""  # for messages
    path = ""  # REST collection

    def __init__(self, provider: ZenMLProvider) -> None:
        self.provider = provider

    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        from tf.iface import _validate_config

        schema = self.get_schema()  # type: ignore[attr-defined]
        _validate_config(diags, type_name, config, schema.attributes, schema.block_types)

    def _client(self, diags: Diagnostics) -> ZenMLClient | None:
        if self.provider.client is None:
            diags.add_error("The zenml provider is not configured", "See the provider block.")
        return self.provider.client

    def _get(self, c: ZenMLClient, object_id: str) -> dict:
        return c.get(f"{self.path}/{object_id}", hydrate="true")

    def read(self, ctx: ReadContext, current: State) -> State | None:
        c = self._client(ctx.diagnostics)
        if c is None:
            return current
        try:
            return self._state(self._get(c, current["id"]), current)  # type: ignore[attr-defined]
        except ZenMLError as exc:
            if exc.not_found:
                return None  # deleted behind Terraform's back: drop it from state
            api_error(ctx.diagnostics, f"read {self.kind} {current.get('name')}", exc)
            return current

    def delete(self, ctx: DeleteContext, current: State) -> None:
        c = self._client(ctx.diagnostics)
        if c is None:
            return None
        try:
            self._before_delete(c, current)
            c.delete(f"{self.path}/{current['id']}")
        except ZenMLError as exc:
            if not exc.not_found:
                api_error(ctx.diagnostics, f"delete {self.kind} {current.get('name')}", exc)
        return None

    def _before_delete(self, c: ZenMLClient, current: State) -> None:
        """Hook for what must happen before a DELETE."""

    def _write(
        self,
        ctx: Any,
        verb: str,
        path: str,
        body: dict,
        planned: State,
        what: str,
        fallback: State | None,
    ) -> State | None:
        """POST or PUT `body`; the new state, or `fallback` with the server's error."""
        c = self._client(ctx.diagnostics)
        if c is None:
            return fallback
        try:
            return self._state(getattr(c, verb)(path, body), planned)  # type: ignore[attr-defined]
        except ZenMLError as exc:
            api_error(ctx.diagnostics, what, exc)
            return fallback

    def _create(self, ctx: CreateContext, body: dict, planned: State, what: str) -> State | None:
        return self._write(ctx, "post", self.path, body, planned, f"create {what}", None)

    def _update(
        self, ctx: UpdateContext, current: State, body: dict, planned: State, what: str
    ) -> State | None:
        path = f"{self.path}/{current['id']}"
        return self._write(ctx, "put", path, body, planned, f"update {what}", current)

    def import_(self, ctx: ImportContext, object_id: str) -> State | None:
        c = self._client(ctx.diagnostics)
        if c is None:
            return None
        try:
            return self._state(self._get(c, object_id), {})  # type: ignore[attr-defined]
        except ZenMLError as exc:
            api_error(ctx.diagnostics, f"import {self.kind} {object_id}", exc)
            return None

    def upgrade(self, ctx: UpgradeContext, version: int, old: State) -> State:
        """One schema version so far: state is stored as it is."""
        return old

    def plan(self, ctx: PlanContext, current: State | None, planned: State) -> State:
        """An in-place update changes `updated` on the server: plan it as unknown."""
        if current is not None and ctx.changed_fields and "updated" in planned:
            planned["updated"] = Unknown
        return planned


class ServiceConnector(_Base):
    kind = "service connector"
    path = "/service_connectors"

    @classmethod
    def get_name(cls) -> str:
        return "service_connector"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                _str("id", computed=True),
                _str("name", required=True),
                _str("type", required=True, requires_replace=True),
                _str("auth_method", required=True, requires_replace=True),
                _str("resource_type", optional=True, requires_replace=True),
                _str("resource_id", optional=True, requires_replace=True),
                _map("configuration", optional=True, sensitive=True),
                _map("labels", optional=True),
                s.Attribute("verify", t.Bool(), optional=True, computed=True, default=True),
                *_computed("expires_at", "user", "created", "updated"),
            ]
        )

    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        kind = config.get("type")
        if isinstance(kind, str) and kind not in CONNECTOR_TYPES:
            diags.add_error(
                "Invalid connector type",
                f"'{kind}' is not one of {', '.join(CONNECTOR_TYPES)}",
                ["type"],
            )

    def _body(self, st: State) -> dict:
        rt = st.get("resource_type")
        return {
            "name": st["name"],
            "connector_type": st["type"],
            "auth_method": st["auth_method"],
            "resource_types": [rt] if rt else [],
            "resource_id": st.get("resource_id"),
            "configuration": st.get("configuration") or {},
            "labels": st.get("labels") or {},
        }

    def _verify(self, c: ZenMLClient, body: dict, diags: Diagnostics) -> bool:
        """Verify the credentials, retrying until the create timeout (5 minutes)."""
        deadline = time.monotonic() + float(os.environ.get("ZENML_TUI_VERIFY_TIMEOUT", "300"))
        while True:
            try:
                result = c._send(
                    "POST",
                    "/api/v1/service_connectors/verify",
                    body=body,
                    params={"list_resources": "false"},
                )
                problem = (result or {}).get("error")
            except ZenMLError as exc:
                problem = exc.message
            if not problem:
                return True
            if time.monotonic() >= deadline:
                diags.add_error(
                    f"Service connector {body['name']} failed verification",
                    f"{problem} (set verify = false to register it without verifying)",
                )
                return False
            time.sleep(5)

    def _state(self, resp: dict, prior: State) -> State:
        body = resp.get("body") or {}
        meta = resp.get("metadata") or {}
        kind = body.get("connector_type")
        if isinstance(kind, dict):
            kind = kind.get("connector_type")
        rts = body.get("resource_types") or []
        prior_rt = prior.get("resource_type")
        rt = prior_rt if (prior_rt in rts or not rts) else (rts[0] if len(rts) == 1 else None)
        user = body.get("user_id") or ((resp.get("resources") or {}).get("user") or {}).get("id")
        verify = prior.get("verify")
        return {
            "id": resp["id"],
            "name": resp["name"],
            "type": kind,
            "auth_method": body.get("auth_method"),
            "resource_type": rt,
            "resource_id": body.get("resource_id"),
            "configuration": merge_config(meta.get("configuration"), prior.get("configuration")),
            "labels": empty_as(prior.get("labels"), meta.get("labels")),
            "verify": verify if isinstance(verify, bool) else True,
            "expires_at": body.get("expires_at"),
            "user": user,
            "created": body.get("created"),
            "updated": body.get("updated"),
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        body = self._body(planned)
        if planned.get("verify") is not False:
            c = self._client(ctx.diagnostics)
            if c is None or not self._verify(c, body, ctx.diagnostics):
                return None
        return self._create(ctx, body, planned, f"service connector {planned['name']}")

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        body = self._body(planned)
        reverify = planned.get("configuration") != current.get("configuration")
        if reverify and planned.get("verify") is not False:
            c = self._client(ctx.diagnostics)
            if c is None or not self._verify(c, body, ctx.diagnostics):
                return current
        update = {k: body[k] for k in ("name", "configuration", "labels")}
        return self._update(ctx, current, update, planned, f"service connector {current['name']}")


class StackComponent(_Base):
    kind = "stack component"
    path = "/components"

    @classmethod
    def get_name(cls) -> str:
        return "stack_component"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                _str("id", computed=True),
                _str("name", required=True),
                _str("type", required=True, requires_replace=True),
                _str("flavor", required=True, requires_replace=True),
                _map("configuration", optional=True, sensitive=True),
                _str("connector_id", optional=True, requires_replace=True),
                _str("connector_resource_id", optional=True),
                _map("labels", optional=True),
                *_computed("created", "updated"),
            ]
        )

    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        kind = config.get("type")
        if isinstance(kind, str) and kind not in COMPONENT_TYPES:
            diags.add_error(
                "Invalid component type",
                f"'{kind}' is not one of {', '.join(COMPONENT_TYPES)}",
                ["type"],
            )
        if config.get("connector_resource_id") and config.get("connector_id") is None:
            diags.add_error(
                "connector_resource_id needs connector_id",
                "Set connector_id to the service connector that gives access to the resource.",
                ["connector_resource_id"],
            )

    def _state(self, resp: dict, prior: State) -> State:
        body = resp.get("body") or {}
        meta = resp.get("metadata") or {}
        connector = meta.get("connector")
        flavor = body.get("flavor_name") or body.get("flavor")
        if isinstance(flavor, dict):
            flavor = flavor.get("name")
        return {
            "id": resp["id"],
            "name": resp["name"],
            "type": body.get("type"),
            "flavor": flavor,
            "configuration": merge_config(meta.get("configuration"), prior.get("configuration")),
            "connector_id": connector.get("id") if isinstance(connector, dict) else connector,
            "connector_resource_id": meta.get("connector_resource_id"),
            "labels": empty_as(prior.get("labels"), meta.get("labels")),
            "created": body.get("created"),
            "updated": body.get("updated"),
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        body = {
            "name": planned["name"],
            "type": planned["type"],
            "flavor": planned["flavor"],
            "configuration": planned.get("configuration") or {},
            "labels": planned.get("labels") or {},
            "connector": planned.get("connector_id"),
            "connector_resource_id": planned.get("connector_resource_id"),
        }
        return self._create(ctx, body, planned, f"{planned['type']} {planned['name']}")

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        body = {
            "name": planned["name"],
            "configuration": planned.get("configuration") or {},
            "labels": planned.get("labels") or {},
            # ZenML drops the connector of a component updated without one
            "connector": planned.get("connector_id"),
            "connector_resource_id": planned.get("connector_resource_id"),
        }
        return self._update(ctx, current, body, planned, f"{current['type']} {current['name']}")

    def _before_delete(self, c: ZenMLClient, current: State) -> None:
        """Take the component out of every stack first; ZenML refuses to delete a component
        that is still in a stack, and a stack cannot lose its orchestrator or artifact store."""
        cid = current["id"]
        for stack in c.list_all("/stacks", component_id=cid):
            full = c.get(f"/stacks/{stack['id']}", hydrate="true")
            comps = (full.get("metadata") or {}).get("components") or {}
            ids = {kind: [x["id"] for x in items] for kind, items in comps.items()}
            for kind, members in ids.items():
                if cid in members and kind in REQUIRED_IN_STACK:
                    raise ZenMLError(
                        409,
                        "IllegalOperationError",
                        f"{current['name']} is the {kind} of stack {full['name']}, which cannot "
                        f"be without one; replace or delete the stack first",
                    )
            remaining = {k: [x for x in v if x != cid] for k, v in ids.items()}
            c.put(
                f"/stacks/{stack['id']}", {"components": {k: v for k, v in remaining.items() if v}}
            )


class Stack(_Base):
    kind = "stack"
    path = "/stacks"
    # a new orchestrator or artifact store means a new stack (ZenML needs both at all times)
    replace_on_key_change: ClassVar[dict[str, tuple[str, ...]]] = {"components": REQUIRED_IN_STACK}

    @classmethod
    def get_name(cls) -> str:
        return "stack"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                _str("id", computed=True),
                _str("name", required=True),
                _map("components", required=True),
                _map("labels", optional=True),
            ]
        )

    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        comps = config.get("components")
        if isinstance(comps, dict):
            for kind in comps:
                if kind not in COMPONENT_TYPES:
                    diags.add_error(
                        "Invalid component type in stack",
                        f"'{kind}' is not one of {', '.join(COMPONENT_TYPES)}",
                        ["components"],
                    )

    def _state(self, resp: dict, prior: State) -> State:
        meta = resp.get("metadata") or {}
        comps = meta.get("components") or {}
        return {
            "id": resp["id"],
            "name": resp["name"],
            "components": {k: v[0]["id"] for k, v in comps.items() if v},
            "labels": empty_as(prior.get("labels"), meta.get("labels")),
        }

    @staticmethod
    def _components(st: State) -> dict[str, list[str]]:
        return {k: [v] for k, v in (st.get("components") or {}).items() if v}

    def _body(self, st: State) -> dict:
        return {
            "name": st["name"],
            "components": self._components(st),
            "labels": st.get("labels") or {},
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        return self._create(ctx, self._body(planned), planned, f"stack {planned['name']}")

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return self._update(ctx, current, self._body(planned), planned, f"stack {current['name']}")
