"""Update a Static only when what it shows changes.

`Static.update` asks for a layout of the whole screen (15-35 ms at 160x48), whatever
the new content: the Server tab and the top bar updated theirs on every poll of the
server, every two seconds, the same text each time, and laid out the screen while a
plan ran or the user typed (bench/tui.py). Here an unchanged content costs nothing.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from rich.text import Text
from textual.widgets import Static

_SHOWN: WeakKeyDictionary[Static, Any] = WeakKeyDictionary()


def content_key(content: Text | str) -> Any:
    """What a content looks like, comparable (Rich's `Text ==` ignores the base style)."""
    if isinstance(content, Text):
        return (content.plain, str(content.style), tuple(content.spans), content.end)
    return content


def update_if_changed(widget: Static, content: Text | str, layout: bool = True) -> bool:
    """`widget.update(content)` unless it shows that already; True when it changed.
    `layout=False` for a widget whose size its content never changes."""
    key = content_key(content)
    if widget in _SHOWN and _SHOWN[widget] == key:
        return False
    _SHOWN[widget] = key
    widget.update(content, layout=layout)
    return True
