"""The Config tab's YAML editor: Textual's TextArea, made to cost a keystroke what the
keystroke changed, not what the file holds.

Per keystroke, Textual's TextArea (8.2) re-reads the whole document into tree-sitter
through a Python callback per line, queries the highlights of every line, drops every
drawn line, and sets a layout reactive that lays the whole screen out again. At a
2,000-line layer that was ~27 ms before anything was drawn, and at 160x48 the redraw of
the editor's 45 lines and the screen's layout ~30 ms more (bench/tui.py). Here:

* tree-sitter reads the document in large chunks of one cached encoding (the same bytes
  it read before, so the same syntax tree);
* highlights are queried per window of lines when a line is first drawn, not for the
  whole file on every key;
* a drawn line is kept while what it is drawn from (its text, its highlights, the
  width) is unchanged, so a keystroke redraws the one line it changed;
* the scrollable size changes without a layout of the screen, unless a scrollbar comes
  or goes (ui/widgets/scrollsize.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from textual.cache import LRUCache
from textual.reactive import Reactive, reactive
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, Selection, SyntaxAwareDocument

from zenml_tui.ui.widgets.scrollsize import QuietScrollSize

if TYPE_CHECKING:
    from collections.abc import Callable

    from tree_sitter import Query

# the editor's syntax colours for a dark and a light app theme
EDITOR_THEMES = {True: "monokai", False: "github_light"}
HIGHLIGHT_WINDOW = 64  # lines queried together when one of them is first drawn
READ_CHUNK = 64 * 1024  # bytes handed to tree-sitter per read

Highlight = tuple[int, int | None, str]


ALL_ROWS = None  # a change that moved lines: every row is to be drawn again


class ChunkedDocument(SyntaxAwareDocument):
    """A SyntaxAwareDocument whose parser reads large chunks of one encoding of the
    text (the bytes Textual's per-line reader gives: every line and its line ending)
    instead of calling back into Python for each line, three times a line. It notes the
    rows each change touched: the edited rows, and those whose syntax (so whose
    highlighting) tree-sitter says changed."""

    _encoded: bytes | None = None
    _touched: set[int] | None = set()  # rows changed since `take_touched`; None: all

    def replace_range(self, start: Any, end: Any, text: str) -> EditResult:
        self._encoded = None  # the parse inside reads the new text
        lines_before = self.line_count
        old_tree = self._syntax_tree
        result = super().replace_range(start, end, text)
        if self._touched is ALL_ROWS or self.line_count != lines_before:
            self._touched = ALL_ROWS
            return result
        top, bottom = sorted((start, end))
        rows = set(range(top[0], max(bottom[0], result.end_location[0]) + 1))
        for changed in old_tree.changed_ranges(self._syntax_tree):
            rows.update(range(changed.start_point[0], changed.end_point[0] + 1))
        self._touched = rows if self._touched is None else self._touched | rows
        return result

    def take_touched(self) -> set[int] | None:
        """The rows changed since the last call (None: every row)."""
        touched, self._touched = self._touched, set()
        return touched

    def _read_callable(self, byte_offset: int, point: tuple[int, int]) -> bytes:
        if self._encoded is None:
            newline = self.newline
            self._encoded = (newline.join(self._lines) + newline).encode("utf-8")
        return self._encoded[byte_offset : byte_offset + READ_CHUNK]


class WindowedHighlights(dict[int, list[Highlight]]):
    """A line's highlights, queried from the syntax tree with the window of lines it is
    in when it is first asked for (as TextArea draws it); lines never drawn are never
    queried. Where two captures overlap (a block scalar's `|` is a string and a
    delimiter), the later one in the query wins: TextArea applies them in the order their
    names first occur in the whole document, which a window cannot know (a layer, a
    mapping, draws the same either way; a document that starts with a list may differ)."""

    def __init__(self, document: SyntaxAwareDocument, query: Query | None) -> None:
        super().__init__()
        self._document = document
        self._query = query
        self._windows: set[int] = set()
        names = [] if query is None else [query.capture_name(i) for i in range(query.capture_count)]
        self._rank = {name: i for i, name in enumerate(names)}

    def __bool__(self) -> bool:  # TextArea draws no highlight from an empty mapping
        return self._query is not None

    def __missing__(self, row: int) -> list[Highlight]:
        window = row // HIGHLIGHT_WINDOW
        if self._query is None or window in self._windows:
            return []
        self._windows.add(window)
        first, last = window * HIGHLIGHT_WINDOW, (window + 1) * HIGHLIGHT_WINDOW
        found: dict[int, list[tuple[int, Highlight]]] = {r: [] for r in range(first, last)}
        captures = self._document.query_syntax_tree(self._query, (first, 0), (last, 0))
        for name, nodes in captures.items():
            rank = self._rank.get(name, len(self._rank))
            for node in nodes:
                (top, left), (bottom, right) = node.start_point, node.end_point
                for r in range(max(top, first), min(bottom, last - 1) + 1):
                    start = left if r == top else 0
                    end = (right if r == bottom else None) if top != bottom else right
                    found[r].append((rank, (start, end, name)))
        for r, marks in found.items():
            marks.sort(key=lambda m: m[0])  # stable: a name's nodes keep their order
            self[r] = [h for _, h in marks]
        return self[row]


class LineStrips(LRUCache[tuple[Any, ...], Strip]):
    """TextArea's cache of drawn lines, each key extended with what its line is drawn
    from: an edit then redraws the lines it changed, not all of them."""

    def __init__(self, editor: LayerEditor) -> None:
        super().__init__(1024)
        self._editor = editor

    def _key(self, key: tuple[Any, ...]) -> tuple[Any, ...]:
        return key + self._editor.drawn_from(key[2])

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        return super().get(self._key(key), default)

    def set(self, key: tuple[Any, ...], value: Strip) -> None:
        super().set(self._key(key), value)

    __setitem__ = set


class LayerEditor(QuietScrollSize, TextArea):
    """The layer's YAML. An edit reaches `on_edit` (the Config pane) at once, not after
    Textual's Changed message has travelled the queue behind the editor's own repaint:
    the merge runs in its thread while the editor draws the keystroke (about 12 ms
    sooner)."""

    # TextArea repaints all of itself whenever the cursor moves (every key typed): here
    # the rows the cursor and the selection left and reached are drawn again, and the
    # rows an edit touched (see `_build_highlight_map`)
    selection: Reactive[Selection] = reactive(
        Selection(), init=False, always_update=True, repaint=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.on_edit: Callable[[], None] | None = None
        self._edits = 0  # highlight rebuilds: what a soft-wrapped line's cache follows
        super().__init__(*args, **kwargs)
        self._line_cache = LineStrips(self)

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        if type(self.document) is SyntaxAwareDocument:
            # the same document and syntax tree; only the parser's reads change
            self.document.__class__ = ChunkedDocument
        self.refresh()  # another text: all of it is drawn

    def _build_highlight_map(self) -> None:
        """After every change of the text (an edit, an undo, a redo, another text):
        the highlights are queried again as lines are drawn, the drawn lines stay cached
        by what they show, and the rows the change touched are drawn again (all of
        them when it added or removed lines, or the text is not a ChunkedDocument)."""
        self._edits += 1
        document = self.document
        query = self._highlight_query
        if query is None or not isinstance(document, SyntaxAwareDocument):
            self._highlights = defaultdict(list)  # plain text: nothing to highlight
        else:
            self._highlights = WindowedHighlights(document, query)
        if not self.is_mounted:
            return
        touched = document.take_touched() if isinstance(document, ChunkedDocument) else None
        if touched is ALL_ROWS:
            self.refresh()
        else:
            self._refresh_rows(touched)

    def _watch_selection(self, previous_selection: Selection, selection: Selection) -> None:
        """TextArea's (scrolls the cursor into view, finds the matching bracket), then
        draws again the rows whose look the move changed: the cursor's row before and
        after, the rows of the selection before and after, the brackets matched."""
        bracket = self._matching_bracket_location
        super()._watch_selection(previous_selection, selection)
        if not self.is_mounted:
            return
        rows: set[int] = set()
        for chosen in (previous_selection, selection):
            first, last = sorted((chosen.start[0], chosen.end[0]))
            rows.update(range(first, last + 1))
        for matched in (bracket, self._matching_bracket_location):
            if matched is not None:
                rows.add(matched[0])
        self._refresh_rows(rows)

    def _refresh_rows(self, rows: set[int]) -> None:
        """Draw these rows of the document again (all of it when soft-wrapped: a row
        is then no line of the screen)."""
        if self.soft_wrap:
            self.refresh()
            return
        spans: list[list[int]] = []  # [first, last] of consecutive rows
        for row in sorted(rows):
            if spans and row == spans[-1][1] + 1:
                spans[-1][1] = row
            else:
                spans.append([row, row])
        for first, last in spans:
            self.refresh_lines(first, last - first + 1)

    def drawn_from(self, row: int) -> tuple[Any, ...]:
        """What the drawn line at `row` shows besides what TextArea's own cache key
        holds (its position, the cursor, selection, theme, ...): its text, its
        highlights, the width it is drawn to and the gutter's."""
        if self.soft_wrap:  # a row is a wrapped section: any edit may move it
            return (self._edits,)
        document = self.document
        # a line is drawn as wide as the longest line or the editor, whichever is wider
        width = max(self.virtual_size.width, self.region.width)
        if row >= document.line_count:
            return (None, width, self.gutter_width)
        highlights = self._highlights
        return (
            document.get_line(row),
            tuple(highlights[row]) if highlights else (),
            width,
            self.gutter_width,
        )

    def edit(self, edit: Edit) -> EditResult:
        result = super().edit(edit)
        if self.on_edit is not None:
            self.on_edit()
        return result

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._follow_theme, init=True)

    def _follow_theme(self) -> None:
        """The YAML's colours follow the app's theme: monokai on a light background is
        unreadable (Textual's code editor keeps monokai whatever the app's theme)."""
        self.theme = EDITOR_THEMES[self.app.current_theme.dark]
