"""Scroll views whose scrollable size changes without a layout of the whole screen.

Textual's `virtual_size` is a layout reactive: a Log or a list that grows by a line, or
an editor whose longest line grows by a character, lays the whole screen out again
(15-35 ms at 160x48 here, more than the rest of the keystroke or the batch of
Terraform's events that caused it; bench/tui.py). A scroll view's scrollable size is
its own business: nothing around it moves. With this mixin first among its bases, a
scroll view repaints what it changed itself (as Log, TextArea and ChangeList do) and
its scrollbars follow its size; a scrollbar that comes or goes still asks for a layout,
as it must (`show_*_scrollbar` are layout reactives).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Log

if TYPE_CHECKING:
    from textual.scroll_view import ScrollView

    _Base = ScrollView
else:
    _Base = object


class QuietScrollSize(_Base):
    """Mix into a ScrollView subclass, before it: `class Log(QuietScrollSize, Log)`."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)

    def watch_virtual_size(self, before: Size, size: Size) -> None:
        room = self.container_size
        if not self.is_mounted or not room:
            return  # the first layout sizes the scrollbars
        if size.height < before.height:
            # rows went (a log cleared, a list filtered): what was drawn below the
            # content's new end is drawn no more by anyone but a full repaint
            self.refresh()
        # the horizontal scrollbar depends on the width only where a line is about as
        # long as the view is wide (less a vertical scrollbar); the vertical one follows
        # the number of lines
        wide = max(size.width, before.width) >= room.width - self.styles.scrollbar_size_vertical
        if size.height != before.height or wide:
            self._scroll_update(size)
        if self.scroll_y > self.max_scroll_y:  # the content shrank under the view
            self.scroll_y = self.max_scroll_y


class QuietLog(QuietScrollSize, Log):
    """Textual's Log: a line written lays out nothing but itself."""
