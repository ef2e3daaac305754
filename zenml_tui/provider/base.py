"""What the provider's resources and data sources share: schema helpers, the configured
client, and server errors as Terraform diagnostics."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from tf import schema as s
from tf import types as t
from tf.iface import (
    CreateContext,
    DataSource,
    DeleteContext,
    ImportContext,
    PlanContext,
    ReadContext,
    Resource,
    UpdateContext,
    UpgradeContext,
)
from tf.types import Unknown
from tf.utils import Diagnostics

from zenml_tui.server.rest import ZenMLClient, ZenMLError

State = dict[str, Any]  # tf's State and Config, with their key and value types
Config = dict[str, Any]


class Configured(Protocol):
    """The provider as its resources see it: the client it configured, if any, and
    whether Terraform has asked it to stop (then long work is not started)."""

    client: ZenMLClient | None
    stopping: threading.Event


def api_error(diags: Diagnostics, what: str, exc: ZenMLError) -> None:
    """A server error as a Terraform diagnostic with the server's own message."""
    if exc.auth_failed:
        summary = f"ZenML authentication failed while trying to {what}"
    elif exc.status == 0:
        summary = f"Cannot reach the ZenML server to {what}"
    else:
        summary = f"ZenML server error while trying to {what}"
    diags.add_error(summary, str(exc))


def string_attr(name: str, **flags: Any) -> s.Attribute:
    return s.Attribute(name, t.String(), **flags)


def map_attr(name: str, **flags: Any) -> s.Attribute:
    return s.Attribute(name, t.Map(t.String()), **flags)


def computed_strings(*names: str) -> list[s.Attribute]:
    return [string_attr(n, computed=True) for n in names]


class ZenMLDataSource(DataSource):
    """A data source of this provider: it reads through the provider's client."""

    def __init__(self, provider: Configured) -> None:
        self.provider = provider


class ZenMLResource(Resource):
    """A resource over one REST collection of the server: read, delete, import and the
    create/update plumbing; subclasses give the schema, the bodies and `state_of`."""

    kind = ""  # for messages
    path = ""  # REST collection

    def __init__(self, provider: Configured) -> None:
        self.provider = provider

    def state_of(self, resp: dict[str, Any], prior: State) -> State:
        """The Terraform state of a server object (`prior`: what was planned or known)."""
        raise NotImplementedError

    def configured_client(self, diags: Diagnostics) -> ZenMLClient | None:
        if self.provider.client is None:
            diags.add_error("The zenml provider is not configured", "See the provider block.")
        return self.provider.client

    def fetch(self, c: ZenMLClient, object_id: str) -> dict[str, Any]:
        found: dict[str, Any] = c.get(f"{self.path}/{object_id}", hydrate="true")
        return found

    def read(self, ctx: ReadContext, current: State) -> State | None:
        c = self.configured_client(ctx.diagnostics)
        if c is None:
            return current
        try:
            return self.state_of(self.fetch(c, current["id"]), current)
        except ZenMLError as exc:
            if exc.not_found:
                return None  # deleted behind Terraform's back: drop it from state
            api_error(ctx.diagnostics, f"read {self.kind} {current.get('name')}", exc)
            return current

    def delete(self, ctx: DeleteContext, current: State) -> None:
        c = self.configured_client(ctx.diagnostics)
        if c is None:
            return None
        try:
            self.before_delete(c, current)
            c.delete(f"{self.path}/{current['id']}")
        except ZenMLError as exc:
            if not exc.not_found:
                api_error(ctx.diagnostics, f"delete {self.kind} {current.get('name')}", exc)
        return None

    def before_delete(self, c: ZenMLClient, current: State) -> None:
        """Hook for what must happen before a DELETE."""

    def _write(
        self,
        ctx: CreateContext | UpdateContext,
        verb: str,
        path: str,
        body: dict[str, Any],
        planned: State,
        what: str,
        fallback: State | None,
    ) -> State | None:
        """POST or PUT `body`; the new state, or `fallback` with the server's error."""
        c = self.configured_client(ctx.diagnostics)
        if c is None:
            return fallback
        send = c.post if verb == "post" else c.put
        try:
            return self.state_of(send(path, body), planned)
        except ZenMLError as exc:
            api_error(ctx.diagnostics, what, exc)
            return fallback

    def create_object(
        self, ctx: CreateContext, body: dict[str, Any], planned: State, what: str
    ) -> State | None:
        return self._write(ctx, "post", self.path, body, planned, f"create {what}", None)

    def update_object(
        self, ctx: UpdateContext, current: State, body: dict[str, Any], planned: State, what: str
    ) -> State | None:
        path = f"{self.path}/{current['id']}"
        return self._write(ctx, "put", path, body, planned, f"update {what}", current)

    def import_(self, ctx: ImportContext, object_id: str) -> State | None:
        c = self.configured_client(ctx.diagnostics)
        if c is None:
            return None
        try:
            return self.state_of(self.fetch(c, object_id), {})
        except ZenMLError as exc:
            api_error(ctx.diagnostics, f"import {self.kind} {object_id}", exc)
            return None

    def upgrade(self, ctx: UpgradeContext, version: int, old: State) -> State:
        """One schema version so far: state is stored as it is."""
        return old

    def update_body(self, st: State) -> dict[str, Any]:
        """What an update sends for the state `st`. Two states with the same body are the
        same object to the server (null and empty, or an attribute ZenML does not store,
        such as a connector's `verify`): between them an update sends nothing."""
        raise NotImplementedError

    def same_on_server(self, attr: str, old: Any, new: Any, state: State) -> bool:
        """Are two values of an attribute that forces replacement the same object to the
        server? Then a change between them is an update, not a replacement. Null and ""
        are: ZenML keeps no difference between them."""
        return old in (None, "") and new in (None, "")

    def write_update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        """Send the update that makes the object `planned`."""
        raise NotImplementedError

    def plan(self, ctx: PlanContext, current: State | None, planned: State) -> State:
        """An update the server sees changes its `updated`: plan that as unknown; one it
        does not see (the bodies are the same) changes nothing but the state."""
        if (
            current is not None
            and ctx.changed_fields
            and "updated" in planned
            and self.update_body(planned) != self.update_body(current)
        ):
            planned["updated"] = Unknown
        return planned

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        if self.update_body(planned) == self.update_body(current):
            return {k: current.get(k) if v is Unknown else v for k, v in planned.items()}
        return self.write_update(ctx, current, planned)
