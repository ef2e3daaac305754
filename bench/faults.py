"""Benchmark cancelling an apply: the example's largest environment (prod), a real local
ZenML server, real Terraform and the bundled provider. For a cancel 0.5 s after the
first create starts, with the server answering at once and with every create held back
for 1 s (so that creates are in flight), it prints the time from the cancel to the run
being recorded as cancelled, what Terraform had finished, and the objects left on the
server that the state does not hold (must be 0).

Run: .venv/bin/python bench/faults.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.faults import (  # noqa: E402
    CREATES,
    SlowProxy,
    environ,
    orphans,
    proxied_platform,
)
from tests.tfharness import set_environ, terraform_environment  # noqa: E402
from zenml_tui.ops import plans  # noqa: E402
from zenml_tui.ops.context import RunContext  # noqa: E402
from zenml_tui.ops.session import open_session  # noqa: E402
from zenml_tui.server.local import LocalServer  # noqa: E402

SECRETS = {
    "ACME_GCP_PROD_WIF_CONFIG": '{"type": "external_account"}',
    "ACME_MLFLOW_TRACKING_TOKEN": "bench-token",
}


def one(root: Path, server: LocalServer) -> tuple[float, str, int]:
    session = open_session(root)
    plan = asyncio.run(plans.plan(session, "prod"))
    assert plan.run.outcome is plans.RunOutcome.CHANGES
    ctx = RunContext()
    cancelled_at: list[float] = []
    seen = threading.Event()

    def cancel() -> None:
        cancelled_at.append(time.perf_counter())
        ctx.cancel()

    def on_event(event: dict) -> None:
        if event.get("type") == "apply_start" and not seen.is_set():
            seen.set()
            threading.Timer(0.5, cancel).start()

    ctx.on_event = on_event
    outcome = asyncio.run(plans.apply(session, "prod", ctx=ctx, confirm_env="prod"))
    recorded = time.perf_counter() - cancelled_at[0]
    left = len(orphans(server, root, "prod"))
    message = outcome.run.message.split(": ", 1)[1].split(";")[0]
    asyncio.run(plans.destroy(session, "prod", confirm_env="prod"))
    return recorded, message, left


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        set_environ({**SECRETS, **terraform_environment(tmp)})
        server = LocalServer(tmp / "server" / ".zenml-tui" / "server")
        server.up()
        try:
            running = server.running()
            assert running is not None
            creds = server.load_credentials()
            assert creds is not None
            for delay in (0.0, 1.0):
                proxy = SlowProxy(running[1], delay=delay, slow=CREATES)
                root = proxied_platform(tmp / f"acme-{delay}", proxy.url, environments=("prod",))
                times, lefts, said = [], [], ""
                with environ(FAULT_ZENML_API_KEY=creds.api_key):
                    for _ in range(args.runs):
                        recorded, said, left = one(root, server)
                        times.append(recorded)
                        lefts.append(left)
                proxy.close()
                shutil.rmtree(root)
                held = f"creates held {delay:g} s" if delay else "creates at once"
                print(
                    f"cancel during an apply of prod ({held}): cancel to run recorded median "
                    f"{statistics.median(times):.2f} s (max {max(times):.2f} s, {args.runs} "
                    f"runs); orphaned objects {max(lefts)}; last run: {said}"
                )
        finally:
            server.down()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
