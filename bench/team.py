"""Benchmark `plan --all` against planning the example's environments one by one.

On a copy of the example platform (its own local ZenML server, started before the
clock runs; the bundled provider; real Terraform), after one warm-up that initialises
the working directory and creates the workspaces:

  * the sum of the four single plans (`ops.plans.plan`, one after the other, as four
    `zenml-tui plan --env ENV` would, without the process start of each);
  * `plan --all` (`ops.plan_all.plan_all`) at --jobs 1, 2 and 4 (the default is one
    per core, at least 2);

the median of `--runs` rounds each, and the speed-up of the default over the sum.

Run: .venv/bin/python bench/team.py [--runs N]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.test_e2e_platform import FAKE_SECRETS
from tests.tfharness import terraform_environment
from zenml_tui.bundled import example_platform
from zenml_tui.ops import plan_all, plans
from zenml_tui.ops.servers import local_server
from zenml_tui.ops.session import open_session


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "acme-ml"
        shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
        os.environ.update({**FAKE_SECRETS, **terraform_environment(Path(tmp))})
        session = open_session(root)
        server = local_server(session)
        try:
            t_up = timed(server.up)
            names = list(session.platform.spec.environments)
            warm = timed(lambda: asyncio.run(plan_all.plan_all(session, names, jobs=1)))

            def singles() -> None:
                for name in names:
                    outcome = asyncio.run(plans.plan(session, name))
                    assert outcome.model is not None

            def every(jobs: int) -> None:
                rows = asyncio.run(plan_all.plan_all(session, names, jobs=jobs))
                bad = [r.environment for r in rows if r.error is not None]
                assert not bad, [(r.environment, r.error) for r in rows if r.error]

            results = {"sum of single plans": [timed(singles) for _ in range(args.runs)]}
            for jobs in (1, 2, 4):
                results[f"plan --all --jobs {jobs}"] = [
                    timed(lambda j=jobs: every(j)) for _ in range(args.runs)
                ]
        finally:
            server.down()
    print(f"cores: {os.cpu_count()}, environments: {len(names)}, runs: {args.runs}")
    print(
        f"server up (not counted): {t_up:.2f} s; first plan --all (init, workspaces): {warm:.2f} s"
    )
    base = statistics.median(results["sum of single plans"])
    for label, times in results.items():
        med = statistics.median(times)
        print(f"{label:<24} median {med:6.2f} s  (min {min(times):.2f})  x{base / med:.2f}")
    default = plan_all.default_jobs()
    print(f"default --jobs here: {default}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
