"""The top bar: platform, the environment as a coloured badge, the server's state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

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
    """`acme-ml  ▌ prod PROTECTED ▐  server: connected (ZenML 0.98.0)`"""

    def show(self, platform: str, env: str, color: str, protected: bool, server: str) -> None:
        text = Text()
        text.append(f" {platform} ", style="bold")
        text.append("  ")
        label = f" {env.upper()} " + ("⚠ PROTECTED " if protected else "")
        text.append(label, style=COLORS.get(color, "reverse"))
        text.append("   server: ")
        good = server.startswith("connected")
        text.append(("● " if good else "○ ") + server, style="green" if good else "yellow")
        self.update(text)
