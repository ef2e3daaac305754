"""The footer: Textual's, recomposed only when the keys it shows change.

Textual's Footer rebuilds its keys on every change of focus (a dozen widgets, then a
layout: 30-70 ms at 160 columns, measured with bench/tui.py's tick gaps); here moving
between the editor, the preview or the change list shows the same keys, so nothing is
rebuilt."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    _shown_keys: tuple[tuple[str, str, bool, str], ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = tuple(
            (binding.key, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )
        if screen.app.app_focus:
            if self._bindings_ready and shown == self._shown_keys:
                return
            self._shown_keys = shown
        super().bindings_changed(screen)
