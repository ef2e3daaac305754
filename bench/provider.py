"""Benchmark the embedded default: local ZenML server, bundled provider, real Terraform.

Reports:
  * `server up` cold (fresh database) and warm (existing database), and `down`;
  * provider start-up: launcher exec to go-plugin handshake line, per Terraform call;
  * wall time of init, plan and apply for the 4-resource config (gcp connector with
    verify off, artifact store, container registry, stack), a no-change plan, destroy;
  * through zenml-tui's own plan and apply (`ops.plans`, as the app and the CLI run
    them): the example's `prod` environment (connectors, components, stacks, ZenML
    projects and a secret) and a generated platform of 50 projects over the example's
    teams: the plan, the apply, the no-change plan after it and the destroy.

Run: .venv/bin/python bench/provider.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.test_e2e_platform import FAKE_SECRETS
from tests.integration.test_provider import CONFIG  # the 4-resource config the tests apply
from tests.tfharness import Workdir, terraform_environment
from zenml_tui.provider.mirror import launcher_path, write_mirror
from zenml_tui.server.local import LocalServer


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def handshake_time(launcher: Path) -> float:
    cookie = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
    env = {**os.environ, "TF_PLUGIN_MAGIC_COOKIE": cookie}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(launcher)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.kill()
    proc.wait()
    assert b"|" in line, line
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        server = LocalServer(tmp_path / ".zenml-tui" / "server")
        cold, _ = timed(server.up)
        down, _ = timed(server.down)
        warm, _ = timed(server.up)
        again, _ = timed(server.up)
        print(
            f"server up: cold {cold:.2f} s, warm {warm:.2f} s, "
            f"when already running {again:.2f} s; down {down:.2f} s"
        )
        os.environ.update({**server.environment(), **terraform_environment(tmp_path)})
        plugins = tmp_path / "plugins"
        write_mirror(plugins)
        shakes = [handshake_time(launcher_path(plugins)) for _ in range(5)]
        med = statistics.median(shakes) * 1000
        print(
            f"provider start-up (exec to handshake): median {med:.0f} ms "
            f"(min {min(shakes) * 1000:.0f}, max {max(shakes) * 1000:.0f})"
        )
        rows: dict[str, list[float]] = {}
        try:
            for i in range(args.runs):
                wd = Workdir(tmp_path / f"run{i}", plugins)
                wd.write(CONFIG.replace("NAME", f"bench{i}"))
                for step, fn in (
                    ("init", wd.init),
                    ("plan (4 to create)", wd.plan),
                    ("apply", wd.apply),
                    ("plan (no changes)", wd.plan),
                    ("destroy", wd.destroy),
                ):
                    rows.setdefault(step, []).append(timed(fn)[0])
        finally:
            server.down()
        for step, times in rows.items():
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(f"  {step:<20} median {statistics.median(times):.2f} s  (runs: {shown})")
        platforms(tmp_path)
    return 0


def _fifty_projects(root: Path) -> None:
    """The example with 48 more projects (50 in all), alternating between its teams."""
    spec = (root / "platform.yaml").read_text()
    extra = "".join(
        f"  bench_{i:02d}:\n    team: {'training' if i % 2 else 'serving'}\n" for i in range(48)
    )
    (root / "platform.yaml").write_text(spec.rstrip("\n") + "\n" + extra)
    for i in range(48):
        (root / "layers" / "project" / f"bench_{i:02d}.yaml").write_text(
            "components:\n  artifact_store:\n    configuration:\n"
            "      path: ${infrastructure.artifact_root}/projects/${project}/${environment}\n"
        )


def _round(session, env: str) -> str:
    """Plan, apply, re-plan and destroy one environment; what each took."""
    import asyncio

    from zenml_tui.ops import plans

    asyncio.run(plans.plan(session, env))  # warms the server, init and the caches
    took, planned = timed(lambda: asyncio.run(plans.plan(session, env)))
    assert planned.model is not None
    creates = planned.model.counts["create"]
    applied, _ = timed(lambda: asyncio.run(plans.apply(session, env, confirm_env=env)))
    again, nothing = timed(lambda: asyncio.run(plans.plan(session, env)))
    assert nothing.run.outcome == "no-changes", nothing.run.message
    gone, _ = timed(lambda: asyncio.run(plans.destroy(session, env, confirm_env=env)))
    return (
        f"plan ({creates} to create) {took:.2f} s, apply {applied:.2f} s, "
        f"no-change plan {again:.2f} s, destroy {gone:.2f} s"
    )


def platforms(tmp_path: Path) -> None:
    """Plan, apply, re-plan and destroy through zenml-tui, as a user runs them."""
    import shutil

    from zenml_tui.bundled import example_platform
    from zenml_tui.ops.servers import local_server
    from zenml_tui.ops.session import open_session

    os.environ.update(FAKE_SECRETS)
    for label, env, grow in (
        ("example prod", "prod", None),
        ("50 projects, local", "local", _fifty_projects),
    ):
        root = tmp_path / label.replace(" ", "_").replace(",", "") / "acme-ml"
        shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
        if grow is not None:
            grow(root)
        session = open_session(root)
        try:
            print(f"{label}: {_round(session, env)}", flush=True)
        finally:
            local_server(session).down()


if __name__ == "__main__":
    sys.exit(main())
