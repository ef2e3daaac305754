"""The plan's changes, one line each, drawn with Textual's line API (as toolong draws
its logs): a row is two strings in a list and only the visible lines are ever rendered,
so adding, filtering and scrolling 10,000 changes costs the same as 40."""

from __future__ import annotations

import re
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from zenml_tui.textsafe import line, middle
from zenml_tui.ui.widgets.scrollsize import QuietScrollSize

STYLE = {
    "create": "green",
    "update": "yellow",
    "replace": "magenta",
    "delete": "red",
    "read": "cyan",
    "no-op": "dim",
    "import": "blue",
}
SYMBOL = {
    "create": "+",
    "import": "<-",
    "update": "~",
    "replace": "-/+",
    "delete": "-",
    "read": "<=",
    "no-op": " ",
}
ACTION_WIDTH = 12  # "-/+ replace" and a space
# an address's parts: `module.team["training"]`, a type, `team["step_operator"]`
_PART = re.compile(r'(?:[^.\["]|\["(?:[^"\\]|\\.)*"\]|\[[^\]]*\])+')


@lru_cache(maxsize=4096)
def compact(address: str, width: int) -> str:
    """An address that fits `width` and still tells rows apart. Whole when it fits;
    else, step by step: `module.` and the provider's `zenml_` prefix go; the resource
    type is cut (`stack_comp…`); the module path is cut in its middle. The resource's
    own name and instance key stay whole as long as they fit: they are what differs
    between `…team["orchestrator"]` and `…team["step_operator"]`."""
    if len(address) <= width or width < 8:
        return address
    parts: list[str] = [
        str(p).removeprefix("zenml_") for p in _PART.findall(address) if p != "module"
    ]
    if len(parts) < 2:
        return middle(address, width)
    *modules, kind, last = parts if len(parts) > 2 else ["", *parts]
    where = ".".join(m for m in modules if m)
    short = ".".join(p for p in (where, kind, last) if p)
    if len(short) <= width:
        return short
    # the type down to 4 characters and an ellipsis
    room = width - len(last) - (len(where) + 1 if where else 0) - 1
    if room >= 5:
        return ".".join(p for p in (where, kind[: room - 1] + "…", last) if p)
    if len(last) + 6 > width:
        return middle(short, width)
    room = width - len(last) - 1  # the module path and type, cut in their middle
    return middle(short[: len(short) - len(last) - 1], room) + "." + last


class ChangeList(QuietScrollSize, ScrollView, can_focus=True):
    """Rows of (action, address) with a cursor; posts `Highlighted` when it moves."""

    DEFAULT_CSS = """
    ChangeList {
        background: $surface;
        overflow-x: auto;
        overflow-y: scroll;
    }
    ChangeList > .changelist--cursor {
        background: $block-cursor-blurred-background;
    }
    ChangeList:focus > .changelist--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    ChangeList > .changelist--even {
        background: $surface-lighten-1;
    }
    """
    COMPONENT_CLASSES = {"changelist--cursor", "changelist--even"}
    BINDINGS = [
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "jump(0)", "first", show=False),
        Binding("end", "jump(-1)", "last", show=False),
    ]

    class Highlighted(Message):
        """The cursor is on `address` (None when the list is empty)."""

        def __init__(self, change_list: ChangeList, address: str | None) -> None:
            super().__init__()
            self.change_list = change_list
            self.address = address

        @property
        def control(self) -> ChangeList:
            return self.change_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[tuple[str, str]] = []
        self.empty_text = ""  # drawn, dim, when there are no rows (no search match)
        self.cursor_row = 0
        self._width = 0
        self._styles: dict[str, Style] = {}

    # -- content ----------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        """Replace every row (a filter); the cursor stays on its address if still there."""
        current = self.rows[self.cursor_row][1] if self.rows else None
        self.rows = rows
        widest = max((len(a) if a.isascii() else cell_len(a) for _, a in rows), default=0)
        self._width = ACTION_WIDTH + widest
        self.virtual_size = Size(self._width, len(rows))
        index = next((i for i, (_, a) in enumerate(rows) if a == current), 0) if current else 0
        self.cursor_row = -1
        self.move_cursor(row=index)
        self.refresh()

    def extend(self, rows: list[tuple[str, str]]) -> None:
        """More rows at the end (changes Terraform just planned)."""
        if not rows:
            return
        first = len(self.rows)
        self.rows.extend(rows)
        self._width = max(self._width, ACTION_WIDTH + max(cell_len(a) for _, a in rows))
        self.virtual_size = Size(self._width, len(self.rows))
        self.refresh_lines(first, len(rows))
        if first == 0:
            self.cursor_row = -1
            self.move_cursor(row=0)

    def clear(self) -> None:
        self.set_rows([])

    # -- cursor -----------------------------------------------------------------------------
    def move_cursor(self, row: int) -> None:
        if not self.rows:
            self.cursor_row = 0
            self.post_message(self.Highlighted(self, None))
            return
        row = max(0, min(row, len(self.rows) - 1))
        if row == self.cursor_row:
            return
        old, self.cursor_row = self.cursor_row, row
        self.refresh_lines(old, 1)
        self.refresh_lines(row, 1)
        self.scroll_to_region(Region(0, row, 1, 1), animate=False, immediate=True, x_axis=False)
        self.post_message(self.Highlighted(self, self.rows[row][1]))

    def action_move(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        page = max(1, self.scrollable_content_region.height - 1)
        self.move_cursor(self.cursor_row + direction * page)

    def action_jump(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        self.focus()
        self.move_cursor(round(self.scroll_y) + event.y)

    # -- drawing ----------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            if name in STYLE:
                style = Style.parse(STYLE[name])
            else:
                style = self.get_component_rich_style(name, partial=True)
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self.rows):
            if index == 0 and self.empty_text:
                text = line(self.empty_text)
                strip = Strip([Segment(text, base + self._style("no-op"))], cell_len(text))
                return strip.crop_extend(0, width, base)
            return Strip.blank(width, base)
        action, address = self.rows[index]
        if index == self.cursor_row:
            line_style = base + self._style("changelist--cursor")
        elif index % 2:
            line_style = base + self._style("changelist--even")
        else:
            line_style = base
        label = f"{SYMBOL.get(action, '?')} {action}".ljust(ACTION_WIDTH)
        address = line(address)  # an address holds the layers' keys: shown, never obeyed
        if not scroll_x:  # scrolled sideways, the whole address is being read
            address = compact(address, width - ACTION_WIDTH)
        strip = Strip(
            [
                Segment(label, line_style + self._style(action)),
                Segment(address, line_style),
            ],
            ACTION_WIDTH + cell_len(address),
        )
        return strip.crop_extend(scroll_x, scroll_x + width, line_style).simplify()

    def on_focus(self) -> None:
        self._restyle_cursor()

    def on_blur(self) -> None:
        self._restyle_cursor()

    def _restyle_cursor(self) -> None:
        """The cursor's row is drawn as focused or not (a row of the list: ScrollView
        subtracts the scroll)."""
        self._styles.clear()
        self.refresh_lines(self.cursor_row, 1)
