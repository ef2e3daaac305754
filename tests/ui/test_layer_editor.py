"""The Config tab's editor (ui/widgets/layer_editor.py) draws exactly what Textual's own
TextArea draws, though it parses, highlights and repaints only what a keystroke changed:
the same keys in both, the screens compared cell by cell (character and style) after
every step, and the syntax trees and highlights compared with a fresh parse after random
edits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import TextArea

from zenml_tui.bundled import example_platform
from zenml_tui.ui.widgets.layer_editor import HIGHLIGHT_WINDOW, ChunkedDocument, LayerEditor

TRICKY = """\
# comment: with a colon
location: europe-west1
labels:
  team: "quoted: value"
  single: 'it''s'
  empty:
list: [a, b, {c: d}]
block: |
  line one
  line two: not a key
folded: >-
  folded
  text
anchors:
  base: &base {x: 1}
  copy: *base
numbers: [1, 2.5, -3, 0x1f, .inf, ~, null, true]
"""


class EditorApp(App[None]):
    """One editor filling the screen: a LayerEditor or Textual's own TextArea."""

    def __init__(self, editor_class: type[TextArea], text: str) -> None:
        super().__init__()
        self.editor_class = editor_class
        self.text = text

    def compose(self) -> ComposeResult:
        editor = self.editor_class.code_editor(
            self.text, language="yaml", soft_wrap=False, id="editor"
        )
        editor.cursor_blink = False  # the same cursor in both, whenever the screen is read
        yield editor


def screen_cells(app: App[None]) -> list[list[tuple[str, str]]]:
    """What the screen shows: each row's cells, character and style. A full update
    draws every widget from the lines it has cached, so a row an edit failed to mark
    for repainting shows here as it was."""
    update = app.screen._compositor.render_update(full=True)
    rows = []
    for line in update.strips:  # type: ignore[union-attr]
        rows.append([(ch, str(seg.style)) for strip in line for seg in strip for ch in seg.text])
    return rows


Step = Callable[[Pilot[None], TextArea], Awaitable[None]]


def keys(*pressed: str) -> Step:
    async def step(pilot: Pilot[None], editor: TextArea) -> None:
        await pilot.press(*pressed)

    step.__name__ = "press " + " ".join(pressed)
    return step


def call(name: str, action: Callable[[TextArea], object]) -> Step:
    async def step(pilot: Pilot[None], editor: TextArea) -> None:
        action(editor)

    step.__name__ = name
    return step


STEPS: list[Step] = [
    keys("end", "x", "y", "z"),  # typing at the end of the first line
    keys("down", "down", "down", "end"),  # the cursor line moves
    keys("space", "quotation_mark"),  # a quote: the rest of the line highlights otherwise
    keys("backspace", "backspace"),
    keys("enter", "n", "e", "w", "colon", "space", "1"),  # a new line: lines below move
    keys("up", "home", "backspace"),  # joins two lines
    keys("shift+down", "shift+down", "shift+right"),  # a selection over three lines
    keys("q"),  # replaces it
    keys("ctrl+z"),  # undo
    keys("ctrl+z", "ctrl+z"),
    keys("ctrl+y"),  # redo
    call("paste", lambda e: e.insert("pasted:\n  - a\n  - 'b: c'\n", (5, 0))),
    keys("pagedown", "pagedown"),  # scrolled
    keys("end", "a", "b"),
    keys("ctrl+home"),
    call("replace all", lambda e: e.replace("other: text\n", (0, 0), e.document.end)),
    call("load", lambda e: e.load_text(TRICKY)),
    keys("down", "down", "down", "end", "backspace", "backspace", "backspace"),
]


async def _screens(editor_class: type[TextArea], text: str) -> list[tuple[str, list]]:
    app = EditorApp(editor_class, text)
    shots = []
    async with app.run_test(size=(70, 20)) as pilot:
        editor = app.query_one("#editor", TextArea)
        editor.focus()
        await pilot.pause()
        shots.append(("start", screen_cells(app)))
        for step in STEPS:
            await step(pilot, editor)
            await pilot.pause()
            shots.append((step.__name__, screen_cells(app)))
    return shots


async def test_the_editor_draws_what_textarea_draws_after_every_step() -> None:
    base = (example_platform() / "layers" / "base.yaml").read_text()
    for text in (TRICKY, base):
        ours = await _screens(LayerEditor, text)
        theirs = await _screens(TextArea, text)
        assert len(ours) == len(theirs) == len(STEPS) + 1
        for (name, mine), (_, stock) in zip(ours, theirs, strict=True):
            for row, (a, b) in enumerate(zip(mine, stock, strict=True)):
                assert a == b, f"after {name!r}, screen row {row} differs"


def _fresh(text: str) -> TextArea:
    return TextArea.code_editor(text, language="yaml", soft_wrap=False)


def _full_highlights(editor: TextArea) -> dict[int, list[tuple[int, int | None, str]]]:
    return {row: list(h) for row, h in editor._highlights.items() if h}


EDIT_TEXT = st.text(alphabet=list("ab :-#\"'{}[]|>\n  \t&*!?,.é0"), max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 1), st.integers(0, 6), EDIT_TEXT),
        min_size=1,
        max_size=12,
    )
)
def test_random_edits_keep_the_syntax_tree_and_highlights_of_a_fresh_parse(edits) -> None:
    """After each edit: the incrementally parsed tree (read in chunks) is the tree a
    fresh parse of the text gives, and the highlights of every row, queried by window,
    are those TextArea queries for the whole text (the same set, in the query's order
    of capture names wherever two overlap)."""
    editor = LayerEditor.code_editor(TRICKY * 6, language="yaml", soft_wrap=False)
    assert isinstance(editor.document, ChunkedDocument)
    for where, _, length, text in edits:
        doc = editor.document
        lines = doc.line_count
        row = min(int(where * lines), lines - 1)
        column = min(length, len(doc.get_line(row)))
        end_row = min(row + length // 3, lines - 1)
        end = (end_row, min(column, len(doc.get_line(end_row))))
        editor.replace(text, (row, column), end)
        fresh = _fresh(editor.text)
        assert str(editor.document._syntax_tree.root_node) == str(
            fresh.document._syntax_tree.root_node
        )
        windowed = {row: list(editor._highlights[row]) for row in range(editor.document.line_count)}
        full = _full_highlights(fresh)
        for r in range(editor.document.line_count):
            assert sorted(windowed[r], key=repr) == sorted(full.get(r, []), key=repr), r
    assert (TRICKY * 6).count("\n") > HIGHLIGHT_WINDOW  # more than one window was read
