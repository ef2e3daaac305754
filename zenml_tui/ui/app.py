"""The zenml-tui app: one platform, one environment at a time.

The app calls the application layer (`zenml_tui.ops`) as the CLI does, and nothing
below it. Every blocking call runs off the event loop and reports back with a message
(`zenml_tui/ui/messages.py`): Terraform, the ZenML server and the run history in thread
workers whose failures go to one handler (`_failed`); the editor's merges and drafts on
two waiting threads (`zenml_tui/ui/latest.py`), which start a keystroke's merge ~5 ms
sooner.
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widget import MountError
from textual.widgets import Static, TabbedContent, TabPane, Tree

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.session import Session, open_session
from zenml_tui.platform.definition import Scope
from zenml_tui.textsafe import visible
from zenml_tui.ui.commands import AppCommands
from zenml_tui.ui.gctune import COLLECTOR, TICK_SECONDS
from zenml_tui.ui.messages import (
    ApplyDone,
    DraftsChanged,
    EditsReady,
    GoToOrigin,
    ImpactDone,
    MatrixDone,
    MatrixRow,
    OperationFailed,
    PlanDone,
    RepairDone,
    RunsLoaded,
    ServerState,
    TerraformEvents,
    WorkspaceReady,
)
from zenml_tui.ui.screens.confirm import RunQuestion
from zenml_tui.ui.speculation import Speculation
from zenml_tui.ui.widgets.config_pane import ConfigPane
from zenml_tui.ui.widgets.footer import KeyFooter
from zenml_tui.ui.widgets.header import TopBar

if TYPE_CHECKING:
    from textual.message import Message
    from textual.widgets.tree import TreeNode

    from zenml_tui.ops.connectors import Verification
    from zenml_tui.ops.context import RunContext
    from zenml_tui.ops.locks import HeldLock
    from zenml_tui.ops.plan_all import EnvPlan
    from zenml_tui.ui.screens.matrix import Choice
    from zenml_tui.ui.widgets.plan_pane import PlanPane
    from zenml_tui.ui.widgets.runs_pane import RunsPane
    from zenml_tui.ui.widgets.server_pane import ServerPane

REFRESH_SECONDS = 5.0
# after a start, failures read "starting" this long (a fresh server's first answers are slow)
STARTING_GRACE = 60.0
POLL_TIMEOUT = 4.0  # a server that stops answering shows as such within 10 s
FOCUS_IN_TAB = {
    "config": "#editor",
    "plan-tab": "#changes",
    "runs-tab": "#runs-table",
    "server-tab": "#objects",
}
EVENT_BATCH = 1000  # Terraform events handled per turn of the event loop
# seconds a plan or apply waits for another run's state lock before asking what to do
# (another app's lock check holds the lock for about a second)
LOCK_FIRST_WAIT = 3.0
LOCK_WAIT = 60.0  # seconds more the lock prompt's "wait" waits
# seconds between checks of who holds the state's lock (each one runs Terraform)
LOCK_CHECK_SECONDS = 15.0


P = ParamSpec("P")


def _while_running(
    handler: Callable[Concatenate[ZenMLApp, P], None],
) -> Callable[Concatenate[ZenMLApp, P], None]:
    """A worker's message can arrive while the app shuts down and its widgets are gone:
    then it is dropped."""

    @functools.wraps(handler)
    def guarded(self: ZenMLApp, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if self.is_running:
            handler(self, *args, **kwargs)

    return guarded


class ZenMLApp(App[None]):
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "zenml-tui"
    COMMANDS = App.COMMANDS | {AppCommands}
    # the f-keys and ctrl+s work from every widget (the editor binds f6 and f7 itself:
    # priority puts the app's first); `check_action` keeps them off under a dialog
    BINDINGS = [
        Binding("f2", "pick_env", "env", priority=True),
        Binding("f5", "plan", "plan", priority=True),
        Binding("f6", "apply", "apply", priority=True),
        Binding("f7", "plan_all", "plan all", priority=True),
        Binding("f8", "cancel_run", "cancel run", priority=True),
        Binding("ctrl+s", "save", "save", priority=True),
        Binding("f1", "help", "help", priority=True),
        Binding("f3", "toggle_tree", "tree", show=False, priority=True),
        Binding("question_mark", "help", "help", show=False),
        Binding("e", "pick_env", "env", show=False),
        Binding("p", "plan", "plan", show=False),
        Binding("a", "apply", "apply", show=False),
        Binding("slash", "search", "search", show=False),
        Binding("1", "tab('config')", "config", show=False),
        Binding("2", "tab('plan-tab')", "plan tab", show=False),
        Binding("3", "tab('runs-tab')", "runs", show=False),
        Binding("4", "tab('server-tab')", "server", show=False),
        Binding("ctrl+q", "quit_app", "quit", priority=True),
        Binding("q", "quit_app", "quit", show=False),
    ]
    # priority keys that a dialog's own keys must win over (ctrl+q quits from anywhere)
    NOT_UNDER_DIALOGS = frozenset(
        {"pick_env", "plan", "apply", "plan_all", "save", "help", "toggle_tree", "search"}
    )

    def __init__(
        self,
        platform_dir: str | Path | None = None,
        environment: str | None = None,
        offline: bool = False,
        terraform_bin: str | None = None,
    ) -> None:
        """`offline`: never start or poll a ZenML server (editing and review only);
        `terraform_bin`: plan and apply with this terraform/tofu binary."""
        super().__init__()
        self.offline = offline
        self.session: Session = open_session(platform_dir, terraform_bin)
        spec = self.session.platform.spec
        self.env = (
            environment if environment in spec.environments else next(iter(spec.environments))
        )
        self.scope = Scope(self.env)
        self.running: str | None = None  # "plan" | "apply" while Terraform runs
        self._ctx: RunContext | None = None  # the running operation's, to cancel it
        self._server_text = "connecting…"
        self._failures = 0
        self._started_at: float | None = None  # when the local server was last being started
        self._next_refresh = 0.0
        self._refreshing = False
        self._events: deque[dict[str, Any]] = deque()  # Terraform events from the worker
        self._events_posted = False
        self._quit_when_done = False  # quit once the running run has ended
        self._crash: BaseException | None = None
        self._panes_ready = False  # Plan, Runs and Server are mounted after the first frame
        self._collecting = False  # this app started the collector (ui/gctune.py)
        self._deferred: list[tuple[Callable[..., None], tuple[Any, ...]]] = []  # asked before
        self._matrix: dict[str, EnvPlan] = {}  # plan --all: each environment's row
        self._pending_review: Choice | None = None  # a matrix cell, once its env is selected
        # the Terraform operation last started (what, environment, run id, typed name):
        # what the lock prompt's "wait" runs again
        self._request: tuple[str, str, str | None, str | None] | None = None
        self._waiting: tuple[str, float] | None = None  # (who holds it, wait's end) while waiting
        self._lock: HeldLock | None = None  # another run's lock on the state, as last seen
        self._lock_next = 0.0  # when the lock is checked next
        self.lock_check_seconds = LOCK_CHECK_SECONDS
        # held while this app runs Terraform on the environment: a lock check (itself a
        # Terraform command taking the lock) or a speculative plan never runs meanwhile
        self._terraform_busy = threading.Lock()
        # the unsaved edits' speculative impact: planned in this app's Terraform turn
        self.speculation = Speculation(
            self, self.session, self._terraform_busy, lambda: (self.env, self.running)
        )
        # the scope tree's node of each layer file (the root: base), its label unmarked
        self._layer_nodes: dict[Path, tuple[TreeNode[Any], Text]] = {}

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        with Horizontal():
            yield Tree("platform", id="scope-tree")
            with TabbedContent(initial="config"):
                with TabPane("Config", id="config"):
                    yield ConfigPane()
                # filled in right after the first frame (`_mount_panes`)
                yield TabPane("Plan", id="plan-tab")
                yield TabPane("Runs", id="runs-tab")
                yield TabPane("Server", id="server-tab")
        yield KeyFooter()

    def on_mount(self) -> None:
        """The first frame shows the scope and the layer in the editor; everything else
        (the other tabs, the merged preview, runs, the server) starts right after it."""
        if not self.offline:  # offline nothing is planned, speculatively or not
            self.query_one(ConfigPane).on_impact = self.speculation.request
        self.fill_scope_tree()
        self.apply_scope()
        if self.offline:
            self._server_text = "offline"
            self.update_topbar()
        self.call_after_refresh(self._mount_panes)

    async def _mount_panes(self) -> None:
        from zenml_tui.ui.widgets.plan_pane import PlanPane
        from zenml_tui.ui.widgets.runs_pane import RunsPane
        from zenml_tui.ui.widgets.server_pane import ServerPane

        try:
            await self.query_one("#plan-tab").mount(PlanPane())
            await self.query_one("#runs-tab").mount(RunsPane(self.session))
            await self.query_one("#server-tab").mount(ServerPane(self._verify_connector))
        except MountError:
            return  # the app is closing already
        self._panes_ready = True
        for callback, args in self._deferred:
            callback(*args)
        self._deferred.clear()
        self.query_one(ConfigPane).release()
        self.refresh_runs()
        self.set_interval(0.5, self._countdown)
        if not self.offline:
            self.set_interval(1.0, self._tick)
            self.refresh_server()
        self.call_after_refresh(self._tune_gc)

    # -- a bug -------------------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        """Textual's end for an unhandled exception (it restores the terminal and sets
        exit code 1): remembered, for the crash report that replaces its traceback."""
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Instead of Textual's traceback with local variables (the layer's text, maybe
        secret values): a one-line message and a report without them."""
        from zenml_tui.ops.crash import write_report

        error = self._crash
        try:
            where = f"the report is in {write_report(self.session, error)}" if error else ""
        except OSError as exc:
            where = f"no report could be written ({exc.strerror})"
        self.bell()
        kind = type(error).__name__ if error else "an error"
        self.panic(Text(visible(f"zenml-tui crashed ({kind}): a bug, please report it; {where}")))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text, its control characters shown, not obeyed:
        most carry what a layer, a server or Terraform said."""
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    @property
    def ready(self) -> bool:
        """Every tab is mounted (a frame or two after start-up)."""
        return self._panes_ready

    def _later(self, callback: Callable[..., None], *args: Any) -> bool:
        """True (and `callback` queued) when the tabs are not mounted yet: a key pressed
        in the first few frames is carried out once they are."""
        if self._panes_ready:
            return False
        self._deferred.append((callback, args))
        return True

    @property
    def plan_pane(self) -> PlanPane:
        from zenml_tui.ui.widgets.plan_pane import PlanPane

        return self.query_one("#plan", PlanPane)

    @property
    def runs_pane(self) -> RunsPane:
        from zenml_tui.ui.widgets.runs_pane import RunsPane

        return self.query_one("#runs", RunsPane)

    @property
    def server_pane(self) -> ServerPane:
        from zenml_tui.ui.widgets.server_pane import ServerPane

        return self.query_one("#server", ServerPane)

    def plan_summary(self, text: str | Text) -> None:
        self.query_one("#plan-summary", Static).update(text)

    def on_resize(self) -> None:
        """Below 110 columns the scope tree gives its room to the editor (f3 shows it)."""
        self._show_tree(self.size.width >= 110)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Under a dialog (the apply confirmation, the env picker, the help) the app's
        keys rest: f6 must not apply from inside the apply dialog."""
        return not (action in self.NOT_UNDER_DIALOGS and isinstance(self.screen, ModalScreen))

    def action_search(self) -> None:
        """`/` (as in less, k9s, lazygit): the Plan tab's search, from any tab."""
        if self._later(self.action_search):
            return
        self.query_one(TabbedContent).active = "plan-tab"
        self.plan_pane.focus_search()

    def action_toggle_tree(self) -> None:
        self._show_tree(not self.query_one("#scope-tree").display)

    def _show_tree(self, shown: bool) -> None:
        """A hidden tree never keeps the keyboard: keys pressed then would act on what
        the user cannot see (Down, Enter: a switch to another environment)."""
        tree = self.query_one("#scope-tree", Tree)
        tree.display = shown
        tree.can_focus = shown
        if not shown and tree.has_focus:
            self.query_one("#editor").focus()

    def _tune_gc(self) -> None:
        """Garbage is collected in the pauses from now on (ui/gctune.py)."""
        COLLECTOR.start()
        self._collecting = True
        self.set_interval(TICK_SECONDS, COLLECTOR.tick)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            COLLECTOR.input_seen()  # a collection waits until input pauses
        await super().on_event(event)

    def on_unmount(self) -> None:
        if self._collecting:  # the process may go on (tests, a headless caller)
            self._collecting = False
            COLLECTOR.stop()

    # -- scope ------------------------------------------------------------------------------
    def fill_scope_tree(self) -> None:
        from zenml_tui.platform.nodes import LayerRef

        platform = self.session.platform
        spec = platform.spec
        tree = self.query_one("#scope-tree", Tree)
        tree.root.label = Text(platform.name, style="bold")
        tree.root.expand()
        nodes = self._layer_nodes
        nodes[platform.layer_path(LayerRef("base"))] = (tree.root, tree.root.label)
        envs = tree.root.add("Environments", expand=True)
        for name, env in spec.environments.items():
            label = Text(name, style="bold red" if env.protected else "")
            node = envs.add_leaf(label, data=("env", name))
            nodes[platform.layer_path(LayerRef("env", name))] = (node, label)
        teams = tree.root.add("Teams", expand=True)
        for name in spec.teams:
            label = Text(name)
            node = teams.add_leaf(label, data=("team", name))
            nodes[platform.layer_path(LayerRef("team", name))] = (node, label)
        projects = tree.root.add("Projects", expand=True)
        for name, p in spec.projects.items():
            label = Text(f"{name} ({p.team})")
            node = projects.add_leaf(label, data=("project", name))
            nodes[platform.layer_path(LayerRef("project", name))] = (node, label)

    @on(DraftsChanged)
    def _drafts_marked(self, message: DraftsChanged) -> None:
        """Each layer with unsaved edits marked in the scope tree (before the name: the
        tree is narrow; the root stands for the base layer) and in the Config tab's
        title, which says whether the open layer is one."""
        from zenml_tui.ui.widgets.config_pane import DRAFT_MARK

        mark = Text(f"{DRAFT_MARK} ", style="bold yellow")
        root = self.query_one("#scope-tree", Tree).root
        for path, (node, label) in self._layer_nodes.items():
            drafted = path in message.drafted
            if node is root:
                shown = (
                    label + Text(f"  {DRAFT_MARK} base draft", "bold yellow") if drafted else label
                )
            else:
                shown = mark + label if drafted else label
            if node.label != shown:
                node.set_label(shown)
        self.query_one(TabbedContent).get_tab("config").label = _config_title(
            message.drafted, message.current
        )

    def action_discard_draft(self) -> None:
        """Drop the open layer's unsaved edits, back to the file on disk (re-read: it
        may have changed outside the app); asks first when there are edits to lose."""
        pane = self.query_one(ConfigPane)
        path = pane.current
        if path is None or not pane.has_draft(path):
            self._revert()
            return
        shown = path.relative_to(self.session.platform.root)

        def answer(yes: bool | None) -> None:
            if yes and pane.current == path:
                self._revert()

        from zenml_tui.ui.screens.confirm import YesNo

        question = (
            f"Discard the unsaved edits of {shown}? The editor goes back to the file on "
            "disk (ctrl+z in the editor brings the edits back while the app runs)."
        )
        self.push_screen(YesNo(visible(question)), answer)

    def _revert(self) -> None:
        try:
            said = self.query_one(ConfigPane).revert()
        except ZenMLTUIError as exc:
            self.post_message(OperationFailed("discard draft", exc))
            return
        self.notify(said, title="discard draft", markup=False)

    @on(Tree.NodeSelected, "#scope-tree")
    def _scope_chosen(self, event: Tree.NodeSelected[tuple[str, str]]) -> None:
        data = event.node.data
        if not data:
            return
        kind, name = data
        if kind == "env":
            self.switch_env(name)
        elif kind == "team":
            self.scope = Scope(self.env, name)
            self.apply_scope()
        else:
            self.scope = self.session.platform.scope(self.env, project=name)
            self.apply_scope()

    def apply_scope(self) -> None:
        self.update_topbar()
        self.query_one(ConfigPane).set_scope(self.session, self.scope)
        self.refresh_runs()

    def update_topbar(self) -> None:
        env = self.session.platform.spec.environments[self.env]
        lock = visible(self._lock.badge()) if self._lock is not None else ""
        self.query_one(TopBar).show(
            self.session.platform.name, self.env, env.color, env.protected, self._server_text, lock
        )
        self.sub_title = self.scope.short

    def switch_env(self, environment: str) -> None:
        if self._later(self.switch_env, environment):
            return
        if self.running:
            self.notify(
                f"a {self.running} is running: let it finish or cancel it (f8) first",
                severity="warning",
            )
            return
        if environment == self.env:
            return
        self.env = environment
        self.scope = Scope(environment, self.scope.team, self.scope.project)
        self._server_text = "offline" if self.offline else "connecting…"
        self._failures, self._next_refresh = 0, 0.0
        self._lock, self._lock_next = None, 0.0
        self.plan_pane.started(environment)
        self.plan_summary(f"selecting the workspace of {environment}…")
        self.apply_scope()
        self.refresh_server()
        self.speculation.pause()
        self.running = "workspace selection"
        self._terraform("workspace", environment)

    def action_pick_env(self) -> None:
        spec = self.session.platform.spec

        def chosen(env: str | None) -> None:
            if env:
                self.switch_env(env)

        from zenml_tui.ui.screens.confirm import EnvPicker

        self.push_screen(EnvPicker(dict(spec.environments), self.env), chosen)

    def action_tab(self, tab: str) -> None:
        """Show a tab and put the keyboard in it (its list, or the editor)."""
        self.query_one(TabbedContent).active = tab
        target = FOCUS_IN_TAB.get(tab)
        if target and (self._panes_ready or tab == "config"):
            self.query_one(target).focus()

    @on(GoToOrigin)
    def _go_to_origin(self, message: GoToOrigin) -> None:
        """From a change in the review to the layer line that makes it, in the editor of
        the scope that line configures."""
        env, team, project = [*message.scope.split("/"), None, None][:3]
        if env != self.env:
            return
        scope = Scope(self.env, team, project)
        if scope != self.scope:
            self.scope = scope
            self.apply_scope()
        self.action_tab("config")
        if not self.query_one(ConfigPane).go_to(Path(message.file), message.line, message.col):
            self.notify(f"{Path(message.file).name} is not a layer the editor opens", markup=False)

    # -- saving ---------------------------------------------------------------------------
    def action_save(self) -> None:
        pane = self.query_one(ConfigPane)
        if pane.invalid_yaml and pane.current is not None and pane.current in pane.buffers:
            first = pane.invalid_yaml[0]
            name = pane.current.name

            def answer(yes: bool | None) -> None:
                if yes:
                    self._save()

            from zenml_tui.ui.screens.confirm import YesNo

            question = (
                f"{name} is not valid YAML (line {first.line}: {first.message}). Save it anyway?"
            )
            self.push_screen(YesNo(visible(question)), answer)
            return
        self._save()

    def _save(self) -> None:
        try:
            path = self.query_one(ConfigPane).save()
        except ZenMLTUIError as exc:
            self.post_message(OperationFailed("save", exc))
            return
        if path is not None:
            self.notify(f"saved {path.relative_to(self.session.platform.root)}")

    # -- plan and apply -------------------------------------------------------------------
    def _plan_refused(self) -> bool:
        """Say why no plan can start now (offline, or a run is going), if it cannot."""
        if self.offline:
            self.notify(
                "offline: a plan needs the ZenML server; start zenml-tui without --offline",
                severity="warning",
            )
            return True
        if self.running:
            self.notify(f"a {self.running} is already running", severity="warning")
            return True
        return False

    def action_plan(self) -> None:
        if self._later(self.action_plan):
            return
        if self._plan_refused():
            return
        if self.query_one(ConfigPane).unsaved:
            self.notify(
                "unsaved edits are not planned: save them (ctrl+s) to include them",
                severity="warning",
            )
        self.speculation.pause()
        self.running = "plan"
        self.action_tab("plan-tab")
        self.plan_pane.started(self.env)
        self._terraform("plan", self.env)

    @work(thread=True, exclusive=True, group="terraform")
    def _terraform(
        self,
        what: str,
        environment: str,
        run_id: str | None = None,
        confirm_env: str | None = None,
        lock_timeout: float = LOCK_FIRST_WAIT,
    ) -> None:
        """A workspace selection, a plan or an apply, with its events streamed to the
        Plan tab; every failure ends in the one handler (`_failed`). Another run's state
        lock is waited for `lock_timeout` seconds; then the handler asks what to do."""
        from zenml_tui.ops.context import RunContext

        self._request = (what, environment, run_id, confirm_env)
        self._ctx = ctx = RunContext(self.terraform_event, lock_timeout)
        with self._terraform_busy:  # a lock check in flight ends within a second or two
            self._run_terraform(ctx, what, environment, run_id, confirm_env)

    def _run_terraform(
        self,
        ctx: RunContext,
        what: str,
        environment: str,
        run_id: str | None,
        confirm_env: str | None,
    ) -> None:
        from zenml_tui.ops import plans

        done: Message
        try:
            if what == "workspace":
                workspace = asyncio.run(plans.select_workspace(self.session, environment, ctx))
                done = WorkspaceReady(environment, workspace)
            elif what == "plan":
                done = PlanDone(asyncio.run(plans.plan(self.session, environment, ctx)))
            else:
                outcome = asyncio.run(
                    plans.apply(self.session, environment, run_id, ctx, confirm_env=confirm_env)
                )
                done = ApplyDone(outcome)
        except ZenMLTUIError as exc:
            self.post_message(OperationFailed(what, exc))
            return
        except Exception as exc:  # a bug: reported as one, the app stays up
            self.post_message(OperationFailed(what, _internal(exc)))
            return
        self.post_message(done)

    # -- every environment at once ---------------------------------------------------------
    def action_plan_all(self) -> None:
        """Plan every environment side by side and show the matrix (f7 again shows it
        while they run)."""
        if self._later(self.action_plan_all):
            return
        from zenml_tui.ui.screens.matrix import PlanMatrix

        names = list(self.session.platform.spec.environments)
        if self.running == "plan --all":
            self.push_screen(PlanMatrix(names, self._matrix, True), self._matrix_chosen)
            return
        if self._plan_refused():
            return
        self.speculation.pause()
        self.running = "plan --all"
        self._matrix = {}
        self.push_screen(PlanMatrix(names, {}, True), self._matrix_chosen)
        self._plan_all_worker()

    @work(thread=True, exclusive=True, group="terraform")
    def _plan_all_worker(self) -> None:
        from zenml_tui.ops import plan_all
        from zenml_tui.ops.context import RunContext

        self._ctx = ctx = RunContext(None, LOCK_FIRST_WAIT)
        try:
            with self._terraform_busy:  # no lock check of ours runs meanwhile
                rows = asyncio.run(
                    plan_all.plan_all(
                        self.session, None, ctx, on_done=lambda r: self.post_message(MatrixRow(r))
                    )
                )
        except ZenMLTUIError as exc:
            self.post_message(OperationFailed("plan --all", exc))
            return
        except Exception as exc:  # a bug: reported as one, the app stays up
            self.post_message(OperationFailed("plan --all", _internal(exc)))
            return
        self.post_message(MatrixDone(rows))

    @on(MatrixRow)
    @_while_running
    def _matrix_row(self, message: MatrixRow) -> None:
        from zenml_tui.ui.screens.matrix import PlanMatrix

        self._matrix[message.row.environment] = message.row
        if isinstance(self.screen, PlanMatrix):
            self.screen.update_row(message.row)

    @on(MatrixDone)
    @_while_running
    def _matrix_done(self, message: MatrixDone) -> None:
        from zenml_tui.ui.screens.matrix import PlanMatrix

        self._run_ended()
        self.refresh_runs()
        if isinstance(self.screen, PlanMatrix):
            self.screen.finished()
        failed = [r.environment for r in message.rows if r.error is not None]
        changed = [r.environment for r in message.rows if r.status == "changes"]
        self.notify(
            f"plan --all: {len(changed)} of {len(message.rows)} environments with changes"
            + (f"; failed: {', '.join(failed)}" if failed else ""),
            severity="warning" if failed else "information",
            markup=False,
        )

    def _matrix_chosen(self, choice: Choice | None) -> None:
        if choice is None:
            return
        env = choice[0]
        if env == self.env:
            self._show_review(choice)
        elif self.running:
            self.notify(
                f"the {self.running} is still running: its environments open once it is over",
                severity="warning",
            )
        else:
            self._pending_review = choice
            self.switch_env(env)

    def _show_review(self, choice: Choice) -> None:
        """The matrix row's plan in the Plan tab, narrowed to the cell's action."""
        from textual.widgets import Select

        row = self._matrix.get(choice[0])
        if row is None or row.outcome is None:
            return
        self.plan_pane.show(row.outcome)
        select = self.query_one("#plan-action", Select)
        if choice[1]:
            select.value = choice[1]
        else:
            select.clear()
        self.action_tab("plan-tab")

    def action_apply(self) -> None:
        if self._later(self.action_apply):
            return
        if self.offline:
            self.notify(
                "offline: an apply needs the ZenML server; start zenml-tui without --offline",
                severity="warning",
            )
            return
        pane = self.plan_pane
        if self.running:
            self.notify(f"a {self.running} is running", severity="warning")
            return
        from zenml_tui.ops.plans import RunOutcome

        run, model = pane.run, pane.model
        if run is None or model is None or run.outcome is not RunOutcome.CHANGES:
            self.notify("review a plan with changes first (f5)", severity="warning")
            return
        from zenml_tui.ops import confirm

        protected = confirm.needs_typed_name(self.session, self.env)
        run_id, env = run.id, self.env

        def confirmed(typed: str | None) -> None:
            if typed is not None:
                self.apply_plan(env, run_id, typed)

        from zenml_tui.ops import blast, review
        from zenml_tui.ui.screens.confirm import ConfirmApply

        # what uses the stacks, components and connectors it deletes or replaces: asked
        # of the server in the dialog's worker
        check = functools.partial(blast.of_plan, self.session, env, model)
        usage = check if blast.hits_anything(model) else None
        lines = review.confirmation_lines(model)
        self.push_screen(ConfirmApply(env, model.counts, protected, usage, lines), confirmed)

    def apply_plan(self, environment: str, run_id: str, confirm_env: str | None) -> None:
        """Apply the reviewed plan `run_id`; a protected environment is applied only when
        `confirm_env` is its name (the application layer refuses otherwise)."""
        self.speculation.pause()
        self.running = "apply"
        self._terraform("apply", environment, run_id, confirm_env)

    def action_cancel_run(self) -> None:
        ctx = self._ctx
        if self.running and ctx is not None and ctx.cancel():
            self.notify(f"cancelling the {self.running}…")

    def terraform_event(self, event: dict[str, Any]) -> None:
        """Queue one of Terraform's events (called from the Terraform worker's thread)."""
        self._events.append(event)
        if not self._events_posted:
            self._events_posted = True
            self.post_message(TerraformEvents())

    @on(TerraformEvents)
    @_while_running
    def _terraform_events(self) -> None:
        """Take up to EVENT_BATCH events, then let the screen breathe before the rest."""
        pane = self.plan_pane
        events = self._events
        for _ in range(min(len(events), EVENT_BATCH)):
            event = events.popleft()
            pane.event(event)
            wait = event.get("lock_wait")
            if isinstance(wait, dict):
                holder, left = str(wait.get("holder", "")), float(wait.get("left", 0))
                self._waiting = (holder, time.monotonic() + left)
                self._countdown()
            elif self._waiting is not None and self.running:
                self._waiting = None  # the lock was free: Terraform runs
                self.plan_summary(
                    Text(f"{self.running} of {self.env}… (f8 cancels)", style="bold yellow")
                )
        if events:
            self.post_message(TerraformEvents())
        else:
            self._events_posted = False

    def _countdown(self) -> None:
        """While a plan or apply waits for another run's lock: who holds it and how long
        the wait has left, counted down in the Plan tab's summary."""
        if self._waiting is None or not self.running or not self._panes_ready:
            return
        holder, end = self._waiting
        left = max(0, math.ceil(end - time.monotonic()))
        shown = visible(f"{holder}; waiting {left} s more for it (f8 cancels)")
        self.plan_summary(Text(shown, style="bold yellow"))

    def _run_ended(self) -> None:
        """A workspace selection, plan or apply is over: questions about it go away,
        and a quit asked for during it happens now."""
        self.running = None
        self._ctx = None
        self._waiting = None
        if isinstance(self.screen, RunQuestion):
            self.screen.dismiss(None)
        if self._quit_when_done:
            self.exit()
            return
        self.query_one(ConfigPane).impact_wanted()  # against the state as it is now

    @on(ImpactDone)
    @_while_running
    def _impact_done(self, message: ImpactDone) -> None:
        self.speculation.done(message)

    @on(WorkspaceReady)
    @_while_running
    def _workspace_ready(self, message: WorkspaceReady) -> None:
        self._run_ended()
        pending, self._pending_review = self._pending_review, None
        if pending is not None and pending[0] == message.environment == self.env:
            self._show_review(pending)
        elif message.environment == self.env:
            self.plan_summary(
                f"workspace '{message.workspace}' selected: press f5 (or p) to plan {self.env}"
            )

    @on(PlanDone)
    @_while_running
    def _plan_done(self, message: PlanDone) -> None:
        self._run_ended()
        self.plan_pane.show(message.outcome)
        self.refresh_runs()

    @on(ApplyDone)
    @_while_running
    def _apply_done(self, message: ApplyDone) -> None:
        self._run_ended()
        run = message.outcome.run
        self.notify(
            run.message or f"{run.kind} {run.outcome}",
            title=f"{run.kind} {run.environment}: {run.outcome}",
            severity="information" if run.outcome == "applied" else "warning",
            markup=False,
        )
        pane = self.plan_pane
        pane.run = message.outcome.plan_run
        shown = visible(f"{run.kind} {run.id}: {run.outcome}. {run.message}")
        self.plan_summary(Text(shown, style="bold"))
        self.refresh_runs()
        self._next_refresh, self._lock_next = 0.0, 0.0
        self.refresh_server()

    @on(OperationFailed)
    @_while_running
    def _failed(self, message: OperationFailed) -> None:
        """The one place errors of workers end up: a notification with what failed and
        what to do, the located diagnostics, and the Plan tab's log."""
        if self._later(self._failed, message):
            return
        error = message.error
        if message.what in ("plan", "apply", "workspace", "plan --all", "accept", "adopt"):
            self._run_ended()
        from zenml_tui.ops.locks import of_error

        lock = of_error(error) if message.what in ("plan", "apply") else None
        if lock is not None:
            self._lock_met(message.what, lock, error)
            return
        root = self.session.platform.root
        detail = "\n".join(d.format(root) for d in error.diagnostics[:8])
        hint = f"\n{error.hint}" if error.hint else ""
        self.notify(
            f"{error.message}{hint}\n{detail}".strip(),
            title=f"{message.what} failed",
            severity="warning" if error.kind is Kind.CANCELLED else "error",
            timeout=12,
            markup=False,
        )
        pane = self.plan_pane
        pane.write_log(f"{message.what} failed: {error.one_line()}")
        for d in error.diagnostics:
            pane.write_log(d.format(root))
        if message.what in ("plan", "apply", "workspace"):
            self.plan_summary(Text(f"{message.what} failed (see the log)", style="bold red"))
        self.refresh_runs()

    def _lock_met(self, what: str, lock: HeldLock, error: ZenMLTUIError) -> None:
        """A plan or apply gave up on another run's lock: the lock's holder in the header,
        the Server tab and the log, and the question: wait for it longer, or give up."""
        self._lock = lock
        self.update_topbar()
        self.server_pane.show_lock(lock)
        self.plan_pane.write_log(f"{what} failed: {error.one_line()}")
        self.plan_summary(Text(visible(f"{what}: {lock.badge()}"), style="bold red"))
        self.refresh_runs()
        request = self._request
        if request is None:
            return
        environment = request[1]

        def answer(wait: bool | None) -> None:
            if wait and not self.running and environment == self.env:
                self.speculation.pause()
                self.running = what
                if what == "plan":
                    self.plan_pane.started(environment)
                self.plan_summary(Text(f"waiting for the lock of {environment}… (f8 cancels)"))
                self._terraform(*request, lock_timeout=LOCK_WAIT)
                return
            self.notify(
                f"{error.message}\n{error.hint}".strip(),
                title=f"{what}: gave up waiting for the lock",
                severity="warning",
                timeout=12,
            )

        from zenml_tui.ui.screens.lock import LockPrompt

        self.push_screen(LockPrompt(environment, what, lock, LOCK_WAIT), answer)

    def refresh_runs(self) -> None:
        if not self._panes_ready:
            return  # `_mount_panes` calls again
        self._runs_worker(self.env)

    @work(thread=True, exclusive=True, group="runs")
    def _runs_worker(self, environment: str) -> None:
        from zenml_tui.ops.history import list_runs
        from zenml_tui.ops.plans import secure_state

        try:
            secure_state(self.session)
            runs = list_runs(self.session, environment)
        except OSError as exc:
            from zenml_tui.errors import file_error

            self.post_message(OperationFailed("reading the runs", file_error(exc, "read the runs")))
            return
        self.post_message(RunsLoaded(environment, runs))

    @on(RunsLoaded)
    @_while_running
    def _runs_loaded(self, message: RunsLoaded) -> None:
        if message.environment == self.env:
            self.runs_pane.show_runs(message.runs)

    # -- the server -----------------------------------------------------------------------
    def _tick(self) -> None:
        if time.monotonic() >= self._next_refresh and not self._refreshing:
            self.refresh_server()

    def action_refresh_server(self) -> None:
        self._next_refresh = 0.0
        self.refresh_server()

    def refresh_server(self) -> None:
        if self._refreshing or self.offline:
            return  # never overlapping refreshes
        self._refreshing = True
        check_lock = not self.running and time.monotonic() >= self._lock_next
        if check_lock:
            self._lock_next = time.monotonic() + self.lock_check_seconds
        self._server_worker(self.env, check_lock)

    def _check_lock(self, environment: str) -> tuple[bool, HeldLock | None]:
        """(checked, the lock another run holds): skipped while this app runs Terraform,
        and where the state cannot be reached (the runs that need it say why)."""
        from zenml_tui.ops import locks

        if not self._terraform_busy.acquire(blocking=False):
            return False, None
        try:
            return True, asyncio.run(locks.held(self.session, environment))
        except (ZenMLTUIError, OSError):
            return False, None
        finally:
            self._terraform_busy.release()

    @work(thread=True, exclusive=True, group="server")
    def _server_worker(self, environment: str, check_lock: bool = False) -> None:
        """The server's status and, with `check_lock`, who holds the state's lock."""
        from zenml_tui.ops.drift import status

        checked, lock = self._check_lock(environment) if check_lock else (False, None)
        seen: dict[str, Any] = {"lock": lock, "lock_checked": checked}

        def starting() -> None:
            self.post_message(
                ServerState(environment, None, "starting the local ZenML server…", True)
            )

        try:
            report = status(
                self.session, environment, start=True, on_starting=starting, timeout=POLL_TIMEOUT
            )
        except ZenMLTUIError as exc:
            self.post_message(ServerState(environment, None, exc.one_line(), kind=exc.kind, **seen))
            return
        except Exception as exc:  # a server that answers nonsense is "down" too
            problem = f"{type(exc).__name__}: {exc}"
            self.post_message(ServerState(environment, None, problem, **seen))
            return
        self.post_message(ServerState(environment, report, **seen))

    def _just_started(self) -> bool:
        """The local server was being started less than STARTING_GRACE seconds ago."""
        started = self._started_at
        return started is not None and time.monotonic() - started < STARTING_GRACE

    def _verify_connector(self, connector_id: str) -> Verification:
        """The server's verdict on a connector (called in the Server tab's worker)."""
        if self.offline:
            raise ZenMLTUIError(
                "offline: verifying a connector needs the ZenML server", kind=Kind.SERVER_DOWN
            )
        from zenml_tui.ops.connectors import verify_connector

        return verify_connector(self.session, self.env, connector_id=connector_id)

    @on(ServerState)
    @_while_running
    def _server_state(self, message: ServerState) -> None:
        self._refreshing = False
        if message.environment != self.env:
            return
        starting = message.starting
        if message.report is None and starting:
            self._started_at = time.monotonic()
            self._server_text, delay = "starting…", 0.5
        elif message.report is None and self._just_started():
            # a server that came up seconds ago and does not answer yet is starting still
            starting = True
            self._server_text, delay = "starting… (not answering yet)", 2.0
        elif message.report is None:
            self._failures += 1
            delay = min(60.0, REFRESH_SECONDS * 2 ** min(self._failures, 4))
            words = {Kind.SERVER_HUNG: "not responding", Kind.SERVER_AUTH: "refuses the API key"}
            word = words.get(message.kind, "unavailable") if message.kind else "unavailable"
            self._server_text = f"{word}, retrying in {delay:.0f} s"
        else:
            self._started_at = None
            self._failures = 0
            delay = REFRESH_SECONDS
            self._server_text = f"connected (ZenML {message.report.version})"
        self._next_refresh = time.monotonic() + delay
        if message.lock_checked:
            self._lock = message.lock
        self.server_pane.show(message.report, message.problem, starting)
        self.server_pane.show_lock(self._lock)
        self.update_topbar()

    # -- drift and adoption (the Server tab's keys) ---------------------------------------
    def on_server_pane_repair(self, message: ServerPane.Repair) -> None:
        """r on a row plans (as f5: the review shows the drift and the update back); a
        accepts the server's values into the owning layer; i adopts an object."""
        if message.what == "restore":
            self.action_plan()
            return
        if self._plan_refused():
            return
        self.running = message.what
        buffers = dict(self.query_one(ConfigPane).buffers)
        self._repair_worker(message.what, self.env, message.object_id, message.report, buffers)

    @work(thread=True, exclusive=True, group="terraform")
    def _repair_worker(
        self,
        what: str,
        environment: str,
        object_id: str,
        report: Any,
        buffers: dict[Path, str],
    ) -> None:
        """The layer edits (posted at once, for the Config tab), then what the state
        needs: the server's values recorded (accept) or the imports kept for the next
        plan (adopt)."""
        from zenml_tui.ops import drift, handmade, plans
        from zenml_tui.ops.context import RunContext

        self._ctx = ctx = RunContext(self.terraform_event, LOCK_FIRST_WAIT)
        try:
            if what == "accept":
                obj = next((o for o in report.objects if o.id == object_id), None)
                address = obj.address if obj is not None else ""
                found = drift.accept(self.session, environment, report, address, None, buffers)
                self.post_message(EditsReady(what, environment, found.edits, found.refused))
                with self._terraform_busy:
                    run = asyncio.run(plans.refresh(self.session, environment, [address], ctx))
                done = run.message
            else:
                adoption = handmade.adopt_objects(self.session, environment, [object_id], buffers)
                self.post_message(EditsReady(what, environment, adoption.edits, []))
                done = adoption.summary
        except ZenMLTUIError as exc:
            self.post_message(OperationFailed(what, exc))
            return
        except Exception as exc:  # a bug: reported as one, the app stays up
            self.post_message(OperationFailed(what, _internal(exc)))
            return
        self.post_message(RepairDone(what, environment, done))

    @on(EditsReady)
    @_while_running
    def _edits_ready(self, message: EditsReady) -> None:
        """The edits as unsaved text of their layers, the Config tab showing the last
        (the most specific scope: every layer edited is one of its layers)."""
        if message.environment != self.env:
            return
        pane = self.query_one(ConfigPane)
        shown: list[str] = []
        for edit in message.edits:
            _, team, project = [*edit.scope.split("/"), None, None][:3]
            scope = Scope(self.env, team, project)
            if scope != self.scope:
                self.scope = scope
                self.apply_scope()
            if pane.put_edit(edit.layer, edit.after, edit.line, edit.col):
                shown.append(edit.label)
        if message.edits:
            self.query_one(TabbedContent).active = "config"
        notes = [n for e in message.edits for n in e.notes] + message.refused
        words = "accepted into" if message.what == "accept" else "described in"
        head = f"{words} {', '.join(shown) or 'no layer'}: unsaved, review and save (ctrl+s)"
        self.notify("\n".join([head, *notes]), title=message.what, timeout=12)

    @on(RepairDone)
    @_while_running
    def _repair_done(self, message: RepairDone) -> None:
        self._run_ended()
        self.notify(message.message, title=message.what, markup=False)
        self.refresh_runs()
        self._next_refresh = 0.0
        self.refresh_server()

    # -- help and quitting ------------------------------------------------------------------
    def action_help(self) -> None:
        from zenml_tui.ui.keys import for_tab
        from zenml_tui.ui.screens.confirm import HelpScreen

        self.push_screen(HelpScreen(for_tab(self.query_one(TabbedContent).active)))

    def action_quit_app(self) -> None:
        unsaved = self.query_one(ConfigPane).unsaved
        if self._quit_when_done:
            return  # already quitting: waiting for Terraform to save the state
        if self.running:
            running = self.running

            def cancel_and_quit(yes: bool | None) -> None:
                if yes and self.running:
                    # Terraform finishes what is in flight and saves the state first
                    self._quit_when_done = True
                    if self._ctx is not None:
                        self._ctx.cancel()
                    self.notify(f"cancelling the {running}: quitting when Terraform has saved")

            question = f"A {running} is running. Cancel it and quit?"
            self.push_screen(RunQuestion(question), cancel_and_quit)
            return
        if unsaved:
            names = ", ".join(p.name for p in unsaved)

            def answer(yes: bool | None) -> None:
                if yes:
                    self.exit()

            from zenml_tui.ui.screens.confirm import YesNo

            self.push_screen(YesNo(f"Unsaved edits in {names} (kept as drafts). Quit?"), answer)
            return
        self.exit()


def _config_title(drafted: frozenset[Path], current: Path | None) -> Text:
    """The Config tab's title: "● draft" when the open layer has unsaved edits, the
    other layers' drafts counted."""
    from zenml_tui.ui.widgets.config_pane import DRAFT_MARK

    title = Text("Config")
    others = len(drafted - {current}) if current is not None else len(drafted)
    if current is not None and current in drafted:
        title.append(f" {DRAFT_MARK} draft", style="bold yellow")
        if others:
            title.append(f" (+{others} other{'s' if others != 1 else ''})", style="yellow")
    elif others:
        title.append(f" ○ {others} draft{'s' if others != 1 else ''}", style="yellow")
    return title


def _internal(exc: Exception) -> ZenMLTUIError:
    """A bug, wrapped so the one handler shows it (the app stays up)."""
    return ZenMLTUIError(
        f"internal error: {type(exc).__name__}: {exc}", kind=Kind.INTERNAL, hint="please report it"
    )


def run(
    platform_dir: str | Path | None = None,
    environment: str | None = None,
    offline: bool = False,
    terraform_bin: str | None = None,
) -> int:
    """Run the app; its exit code (1 after a crash, whose report it has written)."""
    app = ZenMLApp(platform_dir, environment, offline, terraform_bin)
    app.run()
    return app.return_code or 0
