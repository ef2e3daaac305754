"""The top bar: platform, the environment as a coloured badge, the server's state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from zenml_tui.ui.widgets.shown import update_if_changed

COLORS = {
    "green": "black on green",
    "blue": "white on blue",
    "cyan": "black on cyan",
    "magenta": "white on magenta",
    "yellow": "black on yellow",
    "orange": "black on dark_orange",
    "red": "bold white on red",
    "white": "black on white",
}


class TopBar(Static):
    """`acme-ml  ▌ prod PROTECTED ▐  server: connected (ZenML 0.98.0)  locked by …`"""

    def show(
        self, platform: str, env: str, color: str, protected: bool, server: str, lock: str = ""
    ) -> None:
        """`lock`: another run's lock on the state (`locked by ana@build-7 (apply, 12 s)`),
        as a badge after the server's state."""
        text = Text()
        text.append(f" {platform} ", style="bold")
        text.append("  ")
        label = f" {env.upper()} " + ("⚠ PROTECTED " if protected else "")
        text.append(label, style=COLORS.get(color, "reverse"))
        text.append("   server: ")
        good = server.startswith("connected")
        text.append(("● " if good else "○ ") + server, style="green" if good else "yellow")
        if lock:
            text.append("   ")
            text.append(f" {lock} ", style="bold black on yellow")
        update_if_changed(self, text, layout=False)  # one row, as wide as the screen: no layout
