"""Data sources: zenml_server, zenml_stack, zenml_stack_component, zenml_service_connector."""

from __future__ import annotations

from typing import Any

from tf import schema as s
from tf import types as t
from tf.iface import ReadDataContext
from tf.utils import Diagnostics

from zenml_tui.provider.base import (
    Config,
    State,
    ZenMLDataSource,
    ZenMLResource,
    api_error,
    computed_strings,
    map_attr,
    string_attr,
)
from zenml_tui.provider.resources import ServiceConnector, StackComponent
from zenml_tui.provider.values import as_text
from zenml_tui.server.rest import ZenMLClient, ZenMLError


class Object(t.TfType):
    """An object type (the `tf` package has maps, lists and sets only)."""

    def __init__(self, attrs: dict[str, t.TfType]) -> None:
        self.attrs = attrs

    def encode(self, value: Any) -> Any:
        if value is None or value is t.Unknown:
            return value
        return {k: typ.encode(value.get(k)) for k, typ in self.attrs.items()}

    def decode(self, value: Any) -> Any:
        if value is None or value is t.Unknown:
            return value
        return {k: typ.decode(value.get(k)) for k, typ in self.attrs.items()}

    def semantically_equal(self, a: Any, b: Any) -> bool:
        return bool(a == b)

    def tf_type(self) -> bytes:
        inner = ",".join(f'"{k}":{typ.tf_type().decode()}' for k, typ in self.attrs.items())
        return f'["object",{{{inner}}}]'.encode()


class _Lookup(ZenMLDataSource):
    """Find one object by id or by name (the first hit of a name filter)."""

    path = ""
    kind = ""

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        if not config.get("id") and not config.get("name"):
            diags.add_error(f"Set id or name to look up a {self.kind}")

    def state_of(self, resp: dict[str, Any]) -> State:
        raise NotImplementedError

    def _find(self, c: ZenMLClient, config: Config, **filters: Any) -> dict[str, Any] | None:
        object_id = config.get("id")
        if not object_id:
            found = c.get(self.path, name=config["name"], page=1, size=100, **filters)
            items = found.get("items") or []
            if not items:
                return None
            object_id = items[0]["id"]
        try:
            obj: dict[str, Any] = c.get(f"{self.path}/{object_id}", hydrate="true")
        except ZenMLError as exc:
            if exc.not_found:
                return None  # said as "No ... with id ..."
            raise
        if any((obj.get("body") or {}).get(k) != v for k, v in filters.items()):
            return None  # found by id, but of another type
        return obj

    def read(self, ctx: ReadDataContext, config: Config) -> State | None:
        c = self.provider.client
        if c is None:
            ctx.diagnostics.add_error("The zenml provider is not configured")
            return None
        try:
            found = self._find(c, config, **self._filters(config))
        except ZenMLError as exc:
            api_error(ctx.diagnostics, f"look up {self.kind}", exc)
            return None
        if found is None:
            ctx.diagnostics.add_error(self._not_found(c, config))
            return None
        return self.state_of(found)

    def _not_found(self, c: ZenMLClient, config: Config) -> str:
        """Say which filter missed: a name that exists with another type is not 'no such
        name'."""
        name, filters = config.get("name"), self._filters(config)
        wanted = "".join(f" of {k} '{v}'" for k, v in filters.items())
        if config.get("id"):
            return f"No {self.kind} with id '{config['id']}'{wanted} on the server"
        if filters:
            try:
                found = c.get(self.path, name=name, page=1, size=100).get("items") or []
            except ZenMLError:
                found = []
            kinds = sorted({str((x.get("body") or {}).get(k)) for x in found for k in filters})
            if found:
                return (
                    f"No {self.kind} named '{name}'{wanted} on the server; the server has it "
                    f"with {' and '.join(filters)} {' and '.join(repr(k) for k in kinds)}"
                )
        return f"No {self.kind} named '{name}'{wanted} on the server"

    def _filters(self, config: Config) -> dict[str, Any]:
        return {}

    def _from_resource(self, resource: ZenMLResource, resp: dict[str, Any]) -> State:
        """The resource's view of the object, cut to this data source's attributes."""
        st = resource.state_of(resp, {})
        out = {a.name: st.get(a.name) for a in self.get_schema().attributes}
        return out | {
            "labels": st.get("labels") or {},
            "configuration": st.get("configuration") or {},
        }


class ServerData(ZenMLDataSource):
    @classmethod
    def get_name(cls) -> str:
        return "server"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                *computed_strings(
                    "id",
                    "name",
                    "version",
                    "deployment_type",
                    "auth_scheme",
                    "server_url",
                    "dashboard_url",
                ),
                map_attr("metadata", computed=True),
                *computed_strings(
                    "pro_dashboard_url",
                    "pro_api_url",
                    "pro_organization_id",
                    "pro_organization_name",
                    "pro_workspace_id",
                    "pro_workspace_name",
                ),
            ]
        )

    def read(self, ctx: ReadDataContext, config: Config) -> State | None:
        c = self.provider.client
        if c is None:
            ctx.diagnostics.add_error("The zenml provider is not configured")
            return None
        try:
            info = c.info()
        except ZenMLError as exc:
            api_error(ctx.diagnostics, "read the server info", exc)
            return None
        names = [a.name for a in self.get_schema().attributes]
        out: dict[str, Any] = {k: info.get(k) for k in names}
        out["metadata"] = {k: as_text(v) for k, v in (info.get("metadata") or {}).items()}
        for k in names:
            if k != "metadata" and out[k] is not None:
                out[k] = str(out[k])
        return out


class StackData(_Lookup):
    path = "/stacks"
    kind = "stack"

    @classmethod
    def get_name(cls) -> str:
        return "stack"

    @classmethod
    def get_schema(cls) -> s.Schema:
        component = Object(
            {"id": t.String(), "name": t.String(), "type": t.String(), "flavor": t.String()}
        )
        return s.Schema(
            attributes=[
                string_attr("id", optional=True),
                string_attr("name", optional=True),
                s.Attribute("components", t.List(component), computed=True),
                map_attr("labels", computed=True),
                *computed_strings("created", "updated"),
            ]
        )

    def state_of(self, resp: dict[str, Any]) -> State:
        meta = resp.get("metadata") or {}
        comps = []
        for kind, items in (meta.get("components") or {}).items():
            for item in items:
                body = item.get("body") or {}
                comps.append(
                    {
                        "id": item["id"],
                        "name": item["name"],
                        "type": kind,
                        "flavor": body.get("flavor_name"),
                    }
                )
        body = resp.get("body") or {}
        return {
            "id": resp["id"],
            "name": resp["name"],
            "components": comps,
            "labels": meta.get("labels") or {},
            "created": body.get("created"),
            "updated": body.get("updated"),
        }


class StackComponentData(_Lookup):
    path = "/components"
    kind = "stack component"

    @classmethod
    def get_name(cls) -> str:
        return "stack_component"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                string_attr("id", optional=True),
                string_attr("name", optional=True),
                string_attr("type", optional=True),
                string_attr("flavor", computed=True),
                map_attr("configuration", computed=True),
                *computed_strings("connector_id", "connector_resource_id"),
                map_attr("labels", computed=True),
                *computed_strings("created", "updated"),
            ]
        )

    def _filters(self, config: Config) -> dict[str, Any]:
        return {"type": config["type"]} if config.get("type") else {}

    def state_of(self, resp: dict[str, Any]) -> State:
        return self._from_resource(StackComponent(self.provider), resp)


class ServiceConnectorData(_Lookup):
    path = "/service_connectors"
    kind = "service connector"

    @classmethod
    def get_name(cls) -> str:
        return "service_connector"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                string_attr("id", optional=True),
                string_attr("name", optional=True),
                *computed_strings("type", "auth_method", "resource_type", "resource_id"),
                map_attr("configuration", computed=True),
                map_attr("labels", computed=True),
                *computed_strings("expires_at", "created", "updated"),
            ]
        )

    def state_of(self, resp: dict[str, Any]) -> State:
        return self._from_resource(ServiceConnector(self.provider), resp)
