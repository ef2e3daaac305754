"""Command palette: every action of the app, and "Switch to <env>"."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider


class AppCommands(Provider):
    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        out: list[tuple[str, object, str]] = []
        for env in app.session.platform.spec.environments:  # type: ignore[attr-defined]
            out.append((f"Switch to {env}", partial(app.switch_env, env), f"environment {env}"))  # type: ignore[attr-defined]
        out += [
            ("Plan", app.action_plan, "plan the current environment"),  # type: ignore[attr-defined]
            ("Apply reviewed plan", app.action_apply, "apply the plan under review"),  # type: ignore[attr-defined]
            ("Cancel run", app.action_cancel_run, "stop the running plan or apply"),  # type: ignore[attr-defined]
            ("Save layer", app.action_save, "write the edited layer"),  # type: ignore[attr-defined]
            ("Refresh server", app.action_refresh_server, "reload the live server state"),  # type: ignore[attr-defined]
            ("Help", app.action_help, "show the keys"),  # type: ignore[attr-defined]
        ]
        return out

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield Hit(1.0, name, callback, help=help_text)  # type: ignore[arg-type]
