"""Command palette: every action of the app, and "Switch to <env>"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, cast

from textual.command import Hit, Hits, Provider

from zenml_tui.ops.session import Session


class _Actions(Protocol):
    """What the palette needs of the app (the app itself: a protocol keeps this module
    from importing it)."""

    session: Session

    def switch_env(self, environment: str) -> None: ...
    def action_plan(self) -> None: ...
    def action_plan_all(self) -> None: ...
    def action_apply(self) -> None: ...
    def action_cancel_run(self) -> None: ...
    def action_save(self) -> None: ...
    def action_discard_draft(self) -> None: ...
    def action_refresh_server(self) -> None: ...
    def action_help(self) -> None: ...


class AppCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast(_Actions, self.app)
        out: list[tuple[str, Callable[[], object], str]] = [
            (f"Switch to {env}", partial(app.switch_env, env), f"environment {env}")
            for env in app.session.platform.spec.environments
        ]
        out += [
            ("Plan", app.action_plan, "plan the current environment"),
            ("Plan every environment", app.action_plan_all, "plan --all: the matrix of counts"),
            ("Apply reviewed plan", app.action_apply, "apply the plan under review"),
            ("Cancel run", app.action_cancel_run, "stop the running plan or apply"),
            ("Save layer", app.action_save, "write the edited layer"),
            # one action under both names people look for: a draft is only ever the
            # difference from the file, so dropping it and reverting are the same
            (
                "Discard draft",
                app.action_discard_draft,
                "drop the open layer's unsaved edits: back to the file on disk (asks; ctrl+r)",
            ),
            (
                "Revert layer to file",
                app.action_discard_draft,
                "re-read the open layer from disk, dropping its unsaved edits (asks; ctrl+r)",
            ),
            ("Refresh server", app.action_refresh_server, "reload the live server state"),
            ("Help", app.action_help, "show the keys"),
        ]
        return out

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield Hit(1.0, name, callback, help=help_text)
