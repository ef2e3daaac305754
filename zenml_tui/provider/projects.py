"""zenml_project: a ZenML project (`/projects`), as in the official provider v3.0.6.

The server fills in what the configuration leaves out (the display name is the name,
the description empty); the state records what the configuration said, so a project
planned without them plans no changes after apply, read or import."""

from __future__ import annotations

from typing import Any

from tf import schema as s
from tf.iface import CreateContext, UpdateContext

from zenml_tui.provider.base import State, ZenMLResource, computed_strings, string_attr
from zenml_tui.provider.values import as_configured


class Project(ZenMLResource):
    kind = "project"
    path = "/projects"

    @classmethod
    def get_name(cls) -> str:
        return "project"

    @classmethod
    def get_schema(cls) -> s.Schema:
        return s.Schema(
            attributes=[
                string_attr("id", computed=True),
                string_attr("name", required=True),
                string_attr("display_name", optional=True),
                string_attr("description", optional=True),
                *computed_strings("created", "updated"),
            ]
        )

    def state_of(self, resp: dict[str, Any], prior: State) -> State:
        body = resp.get("body") or {}
        meta = resp.get("metadata") or {}
        name = resp["name"]
        display = body.get("display_name")
        description = meta.get("description")
        return {
            "id": resp["id"],
            "name": name,
            # what the server fills in is recorded as the configuration left it
            "display_name": as_configured(prior.get("display_name"), display, name),
            "description": as_configured(prior.get("description"), description),
            "created": body.get("created"),
            "updated": body.get("updated"),
        }

    @staticmethod
    def _body(st: State) -> dict[str, Any]:
        return {
            "name": st["name"],
            # left out: the server's own defaults, so that removing one resets it
            "display_name": st.get("display_name") or st["name"],
            "description": st.get("description") or "",
        }

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        return self.create_object(ctx, self._body(planned), planned, f"project {planned['name']}")

    def update_body(self, st: State) -> dict[str, Any]:
        return self._body(st)

    def write_update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return self.update_object(
            ctx, current, self._body(planned), planned, f"project {current['name']}"
        )
