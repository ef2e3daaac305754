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
from tf.iface import CreateContext, UpdateContext
from tf.utils import Diagnostics

from zenml_tui.provider.base import (
    State,
    ZenMLResource,
    computed_strings,
    map_attr,
    string_attr,
)
from zenml_tui.provider.values import as_configured, empty_as, merge_config
from zenml_tui.server.rest import ZenMLClient, ZenMLError
from zenml_tui.zenml_vocab import COMPONENT_TYPES, CONNECTOR_TYPES, REQUIRED_IN_STACK


class ServiceConnector(ZenMLResource):
    kind = "service connector"
    path = "/service_connectors"

    @classmethod
    def get_name(cls) -> str:
        return "service_connector"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                string_attr("id", computed=True),
                string_attr("name", required=True),
                string_attr("type", required=True, requires_replace=True),
                string_attr("auth_method", required=True, requires_replace=True),
                string_attr("resource_type", optional=True, requires_replace=True),
                string_attr("resource_id", optional=True, requires_replace=True),
                # not sensitive in the official schema either: values from a sensitive
                # variable keep Terraform's mark, and the app masks every known secret
                map_attr("configuration", optional=True),
                map_attr("labels", optional=True),
                # not stored by ZenML: the state keeps what the configuration says, and
                # null means verify (as in the official provider)
                s.Attribute("verify", t.Bool(), optional=True),
                *computed_strings("expires_at", "user", "created", "updated"),
            ]
        )

    def validate(self, diags: Diagnostics, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        kind = config.get("type")
        if isinstance(kind, str) and kind not in CONNECTOR_TYPES:
            diags.add_error(
                "Invalid connector type",
                f"'{kind}' is not one of {', '.join(CONNECTOR_TYPES)}",
                ["type"],
            )

    def _body(self, st: State) -> dict[str, Any]:
        rt = st.get("resource_type")
        return {
            "name": st["name"],
            "connector_type": st["type"],
            "auth_method": st["auth_method"],
            "resource_types": [rt] if rt else [],
            "resource_id": st.get("resource_id") or None,  # "" is none to ZenML
            "configuration": st.get("configuration") or {},
            "labels": st.get("labels") or {},
        }

    _every_type: ClassVar[dict[tuple[int, str], list[str]]] = {}

    def same_on_server(self, attr: str, old: Any, new: Any, state: State) -> bool:
        """A resource type left out and the only resource type of the connector's type
        are the same connector: ZenML fills in every type when given none."""
        if super().same_on_server(attr, old, new, state):
            return True
        c = self.provider.client
        given = {v for v in (old, new) if v}
        if attr != "resource_type" or c is None or len(given) != 1:
            return False
        kind = str(state.get("type"))
        key = (id(c), kind)
        if key not in self._every_type:
            try:
                found = c.get(f"/service_connector_types/{kind}")
            except ZenMLError:
                return False
            self._every_type[key] = sorted(
                str(x.get("resource_type")) for x in found.get("resource_types") or []
            )
        return self._every_type[key] == sorted(given)

    def _verify(self, c: ZenMLClient, body: dict[str, Any], diags: Diagnostics) -> bool:
        """Verify the credentials, retrying until the create timeout (5 minutes)."""
        deadline = time.monotonic() + float(os.environ.get("ZENML_TUI_VERIFY_TIMEOUT", "300"))
        while True:
            try:
                result = c.post("/service_connectors/verify", body, list_resources="false")
                problem = (result or {}).get("error")
            except ZenMLError as exc:
                problem = exc.detail
            if not problem:
                return True
            if self.provider.stopping.is_set():
                diags.add_error(
                    f"Service connector {body['name']} was not verified: Terraform is stopping",
                    f"{problem}; it was not created",
                )
                return False
            if time.monotonic() >= deadline:
                diags.add_error(
                    f"Service connector {body['name']} failed verification",
                    f"{problem} (set verify = false to register it without verifying)",
                )
                return False
            self.provider.stopping.wait(5)

    def state_of(self, resp: dict[str, Any], prior: State) -> State:
        body = resp.get("body") or {}
        meta = resp.get("metadata") or {}
        kind = body.get("connector_type")
        every_type: list[str] = []  # the connector type's resource types, when the server has it
        if isinstance(kind, dict):
            every_type = [x.get("resource_type") for x in kind.get("resource_types") or []]
            kind = kind.get("connector_type")
        rts = body.get("resource_types") or []
        prior_rt = prior.get("resource_type")
        if prior_rt in rts:
            rt = prior_rt
        elif prior_rt in (None, "") and (not rts or sorted(rts) == sorted(every_type)):
            rt = prior_rt  # left out: the server gave the connector every type it has
        else:
            rt = rts[0] if len(rts) == 1 else None
        user = body.get("user_id") or ((resp.get("resources") or {}).get("user") or {}).get("id")
        return {
            "id": resp["id"],
            "name": resp["name"],
            "type": kind,
            "auth_method": body.get("auth_method"),
            "resource_type": rt,
            "resource_id": as_configured(prior.get("resource_id"), body.get("resource_id")),
            "configuration": merge_config(meta.get("configuration"), prior.get("configuration")),
            "labels": empty_as(prior.get("labels"), meta.get("labels")),
            "verify": prior.get("verify"),
            "expires_at": body.get("expires_at"),
            "user": user,
            "created": body.get("created"),
            "updated": body.get("updated"),
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        body = self._body(planned)
        if planned.get("verify") is not False:
            c = self.configured_client(ctx.diagnostics)
            if c is None or not self._verify(c, body, ctx.diagnostics):
                return None
        return self.create_object(ctx, body, planned, f"service connector {planned['name']}")

    def update_body(self, st: State) -> dict[str, Any]:
        # ZenML's update replaces what it is given and resets the resource it is not
        # given: the connector's resource goes with every update
        body = self._body(st)
        keys = ("name", "configuration", "labels", "resource_types", "resource_id")
        return {k: body[k] for k in keys}

    def write_update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        body = self._body(planned)
        reverify = (planned.get("configuration") or {}) != (current.get("configuration") or {})
        if reverify and planned.get("verify") is not False:
            c = self.configured_client(ctx.diagnostics)
            if c is None or not self._verify(c, body, ctx.diagnostics):
                return current
        return self.update_object(
            ctx, current, self.update_body(planned), planned, f"service connector {current['name']}"
        )


class StackComponent(ZenMLResource):
    kind = "stack component"
    path = "/components"

    @classmethod
    def get_name(cls) -> str:
        return "stack_component"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                string_attr("id", computed=True),
                string_attr("name", required=True),
                string_attr("type", required=True, requires_replace=True),
                string_attr("flavor", required=True, requires_replace=True),
                map_attr("configuration", optional=True, sensitive=True),
                string_attr("connector_id", optional=True, requires_replace=True),
                string_attr("connector_resource_id", optional=True),
                map_attr("labels", optional=True),
                *computed_strings("created", "updated"),
            ]
        )

    def validate(self, diags: Diagnostics, type_name: str, config: dict[str, Any]) -> None:
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

    def state_of(self, resp: dict[str, Any], prior: State) -> State:
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
            "connector_resource_id": as_configured(
                prior.get("connector_resource_id"), meta.get("connector_resource_id")
            ),
            "labels": empty_as(prior.get("labels"), meta.get("labels")),
            "created": body.get("created"),
            "updated": body.get("updated"),
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        body = {**self.update_body(planned), "type": planned["type"], "flavor": planned["flavor"]}
        return self.create_object(ctx, body, planned, f"{planned['type']} {planned['name']}")

    def update_body(self, st: State) -> dict[str, Any]:
        return {
            "name": st["name"],
            "configuration": st.get("configuration") or {},
            "labels": st.get("labels") or {},
            # ZenML drops the connector of a component updated without one
            "connector": st.get("connector_id"),
            "connector_resource_id": st.get("connector_resource_id") or None,
        }

    def write_update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return self.update_object(
            ctx, current, self.update_body(planned), planned, f"{current['type']} {current['name']}"
        )

    def before_delete(self, c: ZenMLClient, current: State) -> None:
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


class Stack(ZenMLResource):
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
                string_attr("id", computed=True),
                string_attr("name", required=True),
                map_attr("components", required=True),
                map_attr("labels", optional=True),
            ]
        )

    def validate(self, diags: Diagnostics, type_name: str, config: dict[str, Any]) -> None:
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

    def state_of(self, resp: dict[str, Any], prior: State) -> State:
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

    def _body(self, st: State) -> dict[str, Any]:
        return {
            "name": st["name"],
            "components": self._components(st),
            "labels": st.get("labels") or {},
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        return self.create_object(ctx, self._body(planned), planned, f"stack {planned['name']}")

    def update_body(self, st: State) -> dict[str, Any]:
        return self._body(st)

    def write_update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return self.update_object(
            ctx, current, self._body(planned), planned, f"stack {current['name']}"
        )
