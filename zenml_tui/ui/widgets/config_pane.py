"""The Config tab: edit one layer of the scope; beside it the merged preview, updated as
you type from the unsaved buffer, with each value's layer, its provenance chain, and the
errors (selecting one moves the cursor there); after a pause in typing, the speculative
impact of the unsaved edits (planned by the app, never applied)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, OptionList, Select, Static, TextArea, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from zenml_tui.errors import Diagnostic, ZenMLTUIError
from zenml_tui.ops import layers
from zenml_tui.ops.config import error_lines
from zenml_tui.ops.session import Session
from zenml_tui.platform.definition import Scope
from zenml_tui.platform.nodes import LIST, MAP, REQUIRED, MNode, display, format_path
from zenml_tui.textsafe import line, shorten, visible
from zenml_tui.ui.gctune import COLLECTOR
from zenml_tui.ui.latest import LatestJob
from zenml_tui.ui.messages import DraftsChanged, MergeDone
from zenml_tui.ui.widgets.impact import ImpactPanel
from zenml_tui.ui.widgets.layer_editor import LayerEditor

if TYPE_CHECKING:
    from textual import events
    from textual.timer import Timer

    from zenml_tui.ops.config import FlavorSchemas
    from zenml_tui.platform.engine import ScopeResult

TreePath = tuple[str | int, ...]
PROVENANCE_CHARS = 4000  # a value of megabytes is not drawn whole in the panel


# the preview shows at most this many children of one map or list, and this many rows in
# all: a huge layer is refused by the editor, but the preview must stay quick with it
TREE_MAX_CHILDREN = 500
TREE_MAX_ROWS = 5_000
# seconds after the last keystroke before the unsaved edits are planned speculatively:
# past a typist's pause between words, short of the wait for an answer
IMPACT_PAUSE = 0.7
ImpactHook = Callable[[dict[Path, str] | None], None]
DRAFT_MARK = "●"


class PreviewTree(Tree[TreePath]):
    """The merged preview. Moving the cursor shows the provenance below, which shrinks
    the tree after Textual scrolled for the old height: the cursor row would sit under
    the horizontal scrollbar. Each resize scrolls it back into view."""

    def on_resize(self, event: events.Resize) -> None:
        if self.cursor_line >= 0:
            self.scroll_to_line(self.cursor_line, animate=False)

    def relabel(self, labels: list[tuple[TreeNode[TreePath], Text]]) -> None:
        """Set many labels at once. `TreeNode.set_label` queues a callback per node to
        draw it again: an edit of a value that 98 others interpolate queued 99, ~4 ms
        of a keystroke. Here each label is set and each row on screen drawn again."""
        for node, label in labels:
            node._label = self.process_label(label)
            node._updates += 1  # the tree's line cache is keyed by it
            if node.line >= 0:
                self.refresh_lines(node.line)


class ConfigPane(Vertical):
    """Editor, preview, provenance and errors for the app's current scope."""

    # from the editor too (the pane is its ancestor); the app asks before it drops edits
    BINDINGS = [Binding("ctrl+r", "app.discard_draft", "discard draft", show=False)]

    def __init__(self) -> None:
        super().__init__(id="config")
        self.session: Session | None = None
        self.scope: Scope | None = None
        self.layer_paths: list[Path] = []
        self.current: Path | None = None
        self.buffers: dict[Path, str] = {}  # unsaved texts
        self.saved: dict[Path, str] = {}  # what is on disk
        self.generation = 0
        self.last_good: ScopeResult | None = None
        self.errors: list[Diagnostic] = []
        self.invalid_yaml: list[Diagnostic] = []  # the edited layer does not parse
        self.flavors: FlavorSchemas | None = None
        self._flavors_read = False
        self._dirty = False  # a merge was asked for while held
        self._merges = LatestJob("merge", self._merge)
        self._drafts = LatestJob("drafts", self._write_drafts)
        self._draft_request: dict[Path, str] = {}
        self._loading = False
        self._held = True  # no merge before `release`
        self._tree_nodes: dict[TreePath, TreeNode[TreePath]] = {}  # preview nodes by path
        self._tree_root: MNode | None = None  # the merged tree the preview shows
        self._tree_layer = ""
        self._error_lines: list[str] | None = None
        self._state: Text | None = None
        self._seen_text: str | None = None  # the editor text last scheduled for a merge
        # the app's speculative planner (None: offline, never planned): called with the
        # unsaved buffers to plan them, with None to cancel the plan in flight
        self.on_impact: ImpactHook | None = None
        self._typed_at = 0.0  # when the text last changed
        self._pause: Timer | None = None  # ends the pause in typing
        self._impact_due = False  # the pause is over: plan once this text's merge is shown
        self._impact_asked = False  # a plan was asked for since the last change
        self._shown_generation = -1  # the generation of the merge last shown
        self._marked: tuple[frozenset[Path], Path | None] | None = None  # drafts as marked

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="editor-side"):
                yield Select([], id="layer", prompt="layer", allow_blank=True)
                editor = LayerEditor.code_editor("", language="yaml", id="editor", soft_wrap=False)
                assert isinstance(editor, LayerEditor)
                editor.on_edit = self.text_edited
                yield editor
            with Vertical(id="preview-side"):
                yield Label("", id="preview-state")
                yield PreviewTree("merged", id="preview")
                yield ImpactPanel()
                yield Static("", id="provenance")
                errors = OptionList(id="errors")
                errors.display = False  # shown while there are errors: else the preview's room
                yield errors

    # -- scope and layers ---------------------------------------------------------------
    @property
    def _session(self) -> Session:
        assert self.session is not None, "set_scope first"
        return self.session

    def set_scope(self, session: Session, scope: Scope) -> None:
        launch = self.session is None
        self.session, self.scope = session, scope
        self._flavors_read = False  # re-read in the next merge: the server may have new ones
        restored = self._restore_drafts() if launch else []
        platform = session.platform
        self.layer_paths = [platform.layer_path(r) for r in platform.layers_for(scope)]
        select = self.query_one("#layer", Select)
        select.set_options(self._layer_options())
        keep = self.current if self.current in self.layer_paths else self.layer_paths[-1]
        select.value = self.layer_paths.index(keep)
        self.open_layer(keep)
        if restored:
            self._say_drafts(restored)
        self.impact_wanted()  # another environment's impact, or the same once more

    # -- drafts ---------------------------------------------------------------------------
    def _restore_drafts(self) -> list[Path]:
        """At launch: every draft an earlier session left, as unsaved edits of its layer
        (the preview merges them, the markers show them, quitting asks), not only the
        open layer's; the layers with one."""
        found = layers.drafted_layers(self._session)
        for path, text in found.items():
            self.saved[path] = text.saved
            if text.draft is not None:
                self.buffers[path] = text.draft
        return [path for path, text in found.items() if text.draft is not None]

    def _say_drafts(self, paths: list[Path]) -> None:
        root = self._session.platform.root
        names = [str(p.relative_to(root)) for p in paths]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        n = len(names)
        self.app.notify(
            f"drafts of {n} layer{'s' if n != 1 else ''}: {shown} "
            "(ctrl+s saves, 'discard draft' drops)",
            title="unsaved drafts",
            timeout=12,
            markup=False,
        )

    def _layer_options(self) -> list[tuple[Text, int]]:
        """The layer picker's rows, a layer with unsaved edits marked (plain text:
        names come from platform.yaml)."""
        platform, scope = self._session.platform, self.scope
        assert scope is not None
        drafted = set(self.unsaved)
        options: list[tuple[Text, int]] = []
        for i, ref in enumerate(platform.layers_for(scope)):
            path = platform.layer_path(ref)
            row = Text(line(ref.label))
            if path in drafted:
                row.append(f" {DRAFT_MARK} draft", style="bold yellow")
            row.append(f"  {line(str(path.relative_to(platform.root)))}")
            options.append((row, i))
        return options

    def _drafts_changed(self) -> None:
        """Mark the layers with unsaved edits again, if they (or the open layer) changed:
        the picker here, the scope tree and the tab's title in the app."""
        marked = (frozenset(self.unsaved), self.current)
        if marked == self._marked:
            return
        drafted_before = self._marked[0] if self._marked is not None else None
        self._marked = marked
        if drafted_before != marked[0] and self.scope is not None:
            select = self.query_one("#layer", Select)
            value = select.value
            select.set_options(self._layer_options())
            if isinstance(value, int):
                select.value = value
        self.post_message(DraftsChanged(*marked))

    def has_draft(self, path: Path) -> bool:
        return path in self.unsaved

    def revert(self) -> str:
        """Drop the open layer's unsaved edits: the editor shows the file as it is on
        disk now (re-read: it may have changed outside the app), as one edit that ctrl+z
        takes back. What happened, in a few words. Raises a FILE error (the edits stay)."""
        path = self.current
        if path is None:
            return "no layer open to discard (this one is read-only here)"
        had_draft = self.has_draft(path)
        on_disk = layers.read_layer(self._session, path).saved
        changed = on_disk != self.saved.get(path)
        self.saved[path] = on_disk
        editor = self.query_one("#editor", TextArea)
        if editor.text != on_disk:
            row, col = editor.cursor_location
            editor.replace(on_disk, (0, 0), editor.document.end)  # the buffer goes: text_edited
            last = editor.document.line_count - 1
            editor.cursor_location = (min(row, last), col)
        self.buffers.pop(path, None)
        layers.drop_draft(self._session, path)
        self.schedule_merge(0)
        self.impact_wanted()
        self._drafts_changed()
        shown = str(path.relative_to(self._session.platform.root))
        if had_draft:
            return f"discarded the draft of {shown}: the file on disk is back (ctrl+z undoes)"
        if changed:
            return f"reloaded {shown}: it changed on disk"
        return f"{shown} has no draft: the editor shows the file on disk"

    def draft_path(self, path: Path) -> Path:
        return layers.draft_path(self._session, path)

    def open_layer(self, path: Path) -> None:
        editor = self.query_one("#editor", TextArea)
        if path not in self.saved:
            try:
                text = layers.read_layer(self._session, path)
            except ZenMLTUIError as exc:
                # nothing to edit: the editor must not offer to overwrite what it cannot show
                self.app.notify(exc.one_line(), title="cannot edit", severity="error", markup=False)
                self.current = None
                self._loading = True
                editor.load_text(f"# not editable here (read-only):\n# {exc.one_line()}\n")
                editor.read_only = True
                self._loading = False
                self.schedule_merge(0)
                self._drafts_changed()
                return
            self.saved[path] = text.saved
            if text.draft is not None:
                self.buffers[path] = text.draft
                self.app.notify(f"restored an unsaved draft of {path.name}", title="draft")
        editor.read_only = False
        self.current = path
        self._loading = True
        shown = self.buffers.get(path, self.saved[path])
        editor.load_text(shown)
        if editor.text != shown:
            # the editor keeps one line ending for a whole file and breaks lines at
            # U+2028 and friends: saving would change lines nobody touched
            self.current = None
            editor.read_only = True
            self.app.notify(
                f"{path.name} mixes line endings or holds Unicode line separators; the "
                "editor would change lines you did not touch, so it is read-only here",
                title="cannot edit",
                severity="warning",
                markup=False,
            )
        self._seen_text = editor.text
        self._loading = False
        self.schedule_merge(0)
        self._drafts_changed()

    @on(Select.Changed, "#layer")
    def _layer_chosen(self, event: Select.Changed) -> None:
        if event.value != event.select.value:
            return  # chosen since (a scope switch, then a jump to another layer)
        if isinstance(event.value, int) and self.layer_paths:
            path = self.layer_paths[event.value]
            if path != self.current:
                self.open_layer(path)

    # -- editing ------------------------------------------------------------------------
    @on(TextArea.Changed, "#editor")
    def text_edited(self) -> None:
        """Every change of the text (undo and redo included) ends here; an edit typed
        arrives earlier through `LayerEditor.edit` and is not merged twice."""
        if self._loading or self.current is None:
            return
        text = self.query_one("#editor", TextArea).text
        if text == self._seen_text:
            return
        self._seen_text = text
        drafted = self.current in self.buffers
        if text == self.saved.get(self.current):
            self.buffers.pop(self.current, None)
        else:
            self.buffers[self.current] = text
        if drafted != (self.current in self.buffers):
            self._drafts_changed()  # once per edit that makes or ends a draft
        self.schedule_merge()
        self.impact_wanted()

    def schedule_merge(self, delay: float = 0.0) -> None:
        """Merge now, or as soon as the merge in flight is done (keystrokes coalesce:
        the preview never lags more than one merge behind the typing)."""
        self.generation += 1
        if self._held:
            self._dirty = True
            return
        self._merges.poke()

    def release(self) -> None:
        """Start merging (held until the app's first frame is on screen)."""
        self._held = False
        if self._dirty:
            self._dirty = False
            self._merges.poke()

    # -- the speculative impact -----------------------------------------------------------
    def impact_wanted(self) -> None:
        """The unsaved edits changed (or what they are planned against): cancel the
        speculative plan in flight, and plan again after a pause in typing. Called on
        every keystroke: a time and a flag, a timer only once per pause."""
        if self.on_impact is None:
            return
        self._typed_at = time.monotonic()
        self._impact_due = False
        if self._impact_asked:
            self._impact_asked = False
            self.on_impact(None)
            self.query_one(ImpactPanel).stale()
        if self._pause is None:
            self._pause = self.set_timer(IMPACT_PAUSE, self._pause_over)

    def _pause_over(self) -> None:
        self._pause = None
        left = IMPACT_PAUSE - (time.monotonic() - self._typed_at)
        if left > 0.01:  # typed again meanwhile
            self._pause = self.set_timer(left, self._pause_over)
            return
        self._impact_due = True
        self._plan_impact()

    def _plan_impact(self) -> None:
        """After the pause, once the merge of the text as it is now is shown: plan the
        unsaved edits, unless there are none or they have errors (listed below)."""
        if not self._impact_due or self._shown_generation != self.generation:
            return
        self._impact_due = False
        panel = self.query_one(ImpactPanel)
        others = self._other_environments_layers()
        unsaved = {
            p: t for p, t in self.buffers.items() if t != self.saved.get(p) and p not in others
        }
        if not unsaved or self.on_impact is None:
            panel.hide()
            return
        if self.errors:
            n = len(self.errors)
            panel.note(
                f"not planned: {n} error{'s' if n != 1 else ''} in the configuration "
                "(listed below)",
                "yellow",
            )
            return
        self._impact_asked = True
        self.on_impact(unsaved)

    def _other_environments_layers(self) -> set[Path]:
        """The layers this environment's plan never reads: a draft of prod's layer
        (restored at launch, or edited before a switch) has no impact on local."""
        from zenml_tui.platform.nodes import LayerRef

        platform, scope = self._session.platform, self.scope
        assert scope is not None
        return {
            platform.layer_path(LayerRef("env", name))
            for name in platform.spec.environments
            if name != scope.environment
        }

    @property
    def impact_panel(self) -> ImpactPanel:
        return self.query_one(ImpactPanel)

    def on_unmount(self) -> None:
        if self.on_impact is not None:
            self.on_impact(None)  # no Terraform left running after the app
        self._merges.stop()
        self._drafts.stop()

    @property
    def unsaved(self) -> list[Path]:
        return [p for p, text in self.buffers.items() if text != self.saved.get(p)]

    def _merge(self) -> None:
        """(The merge thread.) Merge the scope from the files and the newest unsaved
        buffers, post the result, then have the draft thread keep them."""
        from zenml_tui.ops.config import cached_flavors, preview

        session, scope = self._session, self.scope
        generation, buffers = self.generation, dict(self.buffers)
        assert scope is not None
        result = self.last_good
        try:
            if not self._flavors_read:  # the server's flavor schemas, as last cached
                self.flavors, self._flavors_read = cached_flavors(session), True
            result = preview(session, scope, buffers, self.flavors)
        except Exception as exc:  # never let a merge bug take the editor down
            self.app.call_from_thread(
                self.app.notify,
                f"preview failed: {type(exc).__name__}: {exc}",
                severity="error",
                markup=False,
            )
        if result is not None:
            self.post_message(MergeDone(result, generation))
        self._draft_request = buffers
        self._drafts.poke()  # its fsync costs the typist nothing

    def _write_drafts(self) -> None:
        """(The draft thread.) Keep each unsaved buffer beside its layer; drop the
        drafts of layers that are saved again."""
        buffers = self._draft_request
        try:
            layers.keep_drafts(self._session, self.draft_candidates(buffers), buffers)
        except ZenMLTUIError as exc:
            self.app.call_from_thread(
                self.app.notify,
                exc.one_line(),
                title="draft not kept",
                severity="error",
                markup=False,
            )

    def draft_candidates(self, buffers: dict[Path, str]) -> list[Path]:
        """The layers whose draft follows the buffers: those edited, and those read in
        this session (saved or discarded since). A draft of a layer never read here is
        another session's edit: kept (the scope's other layers used to lose theirs)."""
        return [
            p
            for p in self.layer_paths
            if p in buffers or (p in self.saved and self.draft_path(p).exists())
        ]

    @on(MergeDone)
    def _merged(self, message: MergeDone) -> None:
        message.stop()
        self.show_result(message)

    def show_result(self, message: MergeDone) -> None:
        self._show_result(message)
        self._shown_generation = message.generation
        self._plan_impact()
        # the garbage of this keystroke, in the pause before the next (ui/gctune.py)
        self.call_after_refresh(COLLECTOR.collect_due, True)

    def _show_result(self, message: MergeDone) -> None:
        result = message.result
        self.errors = result.errors
        parse_failed = any(
            d.path == self.current and d.tree is None and d.exists for d in result.layers
        )
        self.invalid_yaml = (
            [d for d in result.errors if self.current and d.file == str(self.current)]
            if parse_failed
            else []
        )
        tree = self.query_one("#preview", Tree)
        if parse_failed and self.last_good is not None:
            tree.add_class("stale")
            state = Text("invalid YAML: showing the last good preview", style="bold yellow")
        else:
            tree.remove_class("stale")
            self.last_good = result
            self.fill_tree(result)
            n = len(result.errors)
            state = (
                Text(f"{result.scope.label}: valid", style="green")
                if not n
                else Text(
                    f"{result.scope.label}: {n} error{'s' if n != 1 else ''}", style="bold red"
                )
            )
        if state != self._state:
            self._state = state
            self.query_one("#preview-state", Label).update(state, layout=False)
        root = self._session.platform.root
        lines = error_lines(result.errors, root)
        if lines != self._error_lines:  # most keystrokes change no error: no relayout
            self._error_lines = lines
            errors = self.query_one("#errors", OptionList)
            errors.clear_options()
            errors.add_options([Option(Text(line), id=str(i)) for i, line in enumerate(lines)])
            self._show_errors(bool(lines))

    def _show_errors(self, shown: bool) -> None:
        """The errors panel takes room only while there are errors (at 80x24 an empty
        one left the preview nine rows); a hidden panel never keeps the keyboard."""
        errors = self.query_one("#errors", OptionList)
        if errors.display == shown:
            return
        if not shown and errors.has_focus:
            self.query_one("#preview").focus()
        errors.display = shown

    def fill_tree(self, result: ScopeResult) -> None:
        """Show the merged tree. Merges share the subtrees an edit did not touch, so the
        usual keystroke walks only the changed path and relabels the values that differ;
        the tree is rebuilt when its shape changes."""
        tree = self.query_one("#preview", Tree)
        layer = self.layer_label(self.current)

        def label(key: str | int, child: MNode) -> Text:
            value = "!required (unset)" if child.kind == REQUIRED else display(child.value, 200)
            value = line(shorten(value))  # a value is data: shown, cut when huge
            text = Text(f"{line(str(key))}: ")
            text.append(value, style="bold reverse" if child.prov.layer == layer else "")
            text.append(f"  ← {child.prov.layer}", style="dim")
            return text

        title = Text(result.scope.label, style="bold")
        if title != tree.root.label:
            tree.root.label = title
        shown = self._tree_root
        relabelled: list[tuple[TreeNode[TreePath], Text]] = []
        if (
            shown is not None
            and layer == self._tree_layer
            and self._relabel(shown, result.tree, (), label, relabelled)
        ):
            self.query_one(PreviewTree).relabel(relabelled)
            self._tree_root = result.tree
            return
        rows: list[tuple[TreePath, MNode | None, str | int]] = []  # (path, leaf or None, key)
        more: list[tuple[TreePath, int]] = []  # (parent, children not shown)

        def collect(node: MNode, path: TreePath) -> None:
            items: Iterator[tuple[str | int, MNode]] = (
                iter(node.value.items()) if node.kind == MAP else enumerate(node.value)
            )
            for n, (key, child) in enumerate(items):
                if n >= TREE_MAX_CHILDREN or len(rows) >= TREE_MAX_ROWS:
                    more.append((path, len(node.value) - n))
                    return
                cpath = (*path, key)
                if child.kind in (MAP, LIST):
                    rows.append((cpath, None, key))
                    collect(child, cpath)
                else:
                    rows.append((cpath, child, key))

        collect(result.tree, ())
        expanded = {n.data for n in self._walk_nodes(tree.root) if n.is_expanded and n.data}
        tree.clear()
        tree.root.data = ()
        self._tree_nodes = {(): tree.root}
        for path, leaf, key in rows:
            parent = self._tree_nodes[path[:-1]]
            if leaf is None:
                expand = path in expanded or len(path) < 2
                self._tree_nodes[path] = parent.add(Text(line(str(key))), data=path, expand=expand)
            else:
                self._tree_nodes[path] = parent.add_leaf(label(key, leaf), data=path)
        for path, hidden in more:  # a huge map or list is shown in part: the UI stays quick
            self._tree_nodes[path].add_leaf(
                Text(f"… {hidden:,} more not shown here (zenml-tui render shows all)", "dim")
            )
        self._tree_root = result.tree
        self._tree_layer = layer
        tree.root.expand()

    def _relabel(
        self,
        old: MNode,
        new: MNode,
        path: TreePath,
        label: Callable[[str | int, MNode], Text],
        relabelled: list[tuple[TreeNode[TreePath], Text]],
    ) -> bool:
        """The new labels of the leaves of `new` that differ from `old`, added to
        `relabelled`; False when the shape differs (then the caller rebuilds)."""
        if old is new:
            return True
        if old.kind != new.kind:
            return False
        if new.kind == MAP:
            if list(old.value) != list(new.value):
                return False
            pairs: Iterator[tuple[str | int, MNode, MNode]] = (
                (k, old.value[k], c) for k, c in new.value.items()
            )
        else:
            if len(old.value) != len(new.value):
                return False
            pairs = ((i, old.value[i], c) for i, c in enumerate(new.value))
        for key, before, after in pairs:
            if before is after:
                continue
            cpath = (*path, key)
            if after.kind in (MAP, LIST) or before.kind in (MAP, LIST):
                if not self._relabel(before, after, cpath, label, relabelled):
                    return False
            elif (
                before.kind != after.kind
                or before.prov.layer != after.prov.layer
                or type(before.value) is not type(after.value)
                or before.value != after.value
            ):
                shown = self._tree_nodes.get(cpath)
                if shown is not None:  # (not shown past TREE_MAX_CHILDREN)
                    relabelled.append((shown, label(key, after)))
        return True

    def _walk_nodes(self, node: TreeNode[TreePath]) -> Iterator[TreeNode[TreePath]]:
        yield node
        for child in node.children:
            yield from self._walk_nodes(child)

    def layer_label(self, path: Path | None) -> str:
        platform = self._session.platform
        assert self.scope is not None
        for ref in platform.layers_for(self.scope):
            if platform.layer_path(ref) == path:
                return ref.label
        return ""

    @on(Tree.NodeHighlighted, "#preview")
    def _show_provenance(self, event: Tree.NodeHighlighted[TreePath]) -> None:
        path = event.node.data
        if not path or self.last_good is None:
            return
        from zenml_tui.ops.config import explain_in

        provenance = self.query_one("#provenance", Static)
        try:
            ex = explain_in(self.last_good, format_path(path))
        except ZenMLTUIError as exc:
            provenance.update(Text(visible(shorten(exc.message, PROVENANCE_CHARS))))
            return
        shown = ex.format(self._session.platform.root, limit=PROVENANCE_CHARS)
        provenance.update(Text(visible(shorten(shown, PROVENANCE_CHARS))))

    @on(OptionList.OptionSelected, "#errors")
    def _jump_to_error(self, event: OptionList.OptionSelected) -> None:
        d = self.errors[int(event.option.id or 0)]
        self.go_to(Path(d.file), d.line, d.col)

    def go_to(self, target: Path, line: int, col: int) -> bool:
        """Open a layer of this scope at line:col in the editor (False: not one of its)."""
        if target in self.layer_paths and target != self.current:
            self.query_one("#layer", Select).value = self.layer_paths.index(target)
            self.open_layer(target)
        if target != self.current:
            return False
        editor = self.query_one("#editor", TextArea)
        editor.cursor_location = (max(line - 1, 0), max(col - 1, 0))
        editor.scroll_cursor_visible(center=True)
        editor.focus()
        return True

    def put_edit(self, target: Path, text: str, line: int, col: int) -> bool:
        """An edit made for the user (accepting drift, adopting an object): the layer's
        whole text replaced as one undoable, unsaved edit, the cursor at line:col.
        False when it is not a layer of this scope the editor can edit."""
        if not self.go_to(target, 1, 1):
            return False
        editor = self.query_one("#editor", TextArea)
        editor.replace(text, (0, 0), editor.document.end)  # a typed edit: buffer, merge
        return self.go_to(target, line, col) if line else True

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> Path | None:
        """Write the current layer atomically; the draft goes away. On failure (a full
        disk, a read-only file) the edit stays unsaved, and kept as a draft."""
        path = self.current
        if path is None or path not in self.buffers:
            return None
        text = self.buffers[path]
        layers.save_layer(self._session, path, text)
        del self.buffers[path]
        self.saved[path] = text
        self.schedule_merge(0)
        self.impact_wanted()  # the other unsaved layers' impact, if any
        self._drafts_changed()
        return path
