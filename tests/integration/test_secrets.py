"""Secrets reach only what needs them: with distinctive values exported (those of every
environment), plan and apply the example environments that reference none, some and
others; then no file under the platform but Terraform's state and
saved plans (0600, in 0700 directories) holds a value, Terraform and the provider had
only the secrets their environment references, and the ZenML server none."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

from tests.integration.faults import processes
from tests.tfharness import restore_environ, set_environ, terraform_environment
from zenml_tui.bundled import example_platform
from zenml_tui.ops import plans
from zenml_tui.ops.servers import local_server
from zenml_tui.ops.session import open_session

SECRETS = {
    "ACME_GCP_DEV_SA_JSON": '{"type": "service_account", "key": "SECRET-DEV-7f3a91"}',
    "ACME_GCP_STAGING_SA_JSON": '{"type": "service_account", "key": "SECRET-STG-2b8c44"}',
    "ACME_GCP_PROD_WIF_CONFIG": '{"type": "external_account", "key": "SECRET-PRD-9d1e07"}',
    "ACME_MLFLOW_TRACKING_TOKEN": "SECRET-MLF-5c6d22",
}
MARKS = {k: v.split('"key": "')[-1].rstrip('"}') for k, v in SECRETS.items()}
USES = {  # what each environment's layers reference (staging is dev's twin: left out)
    "local": set(),
    "dev": {"ACME_GCP_DEV_SA_JSON", "ACME_MLFLOW_TRACKING_TOKEN"},
    "prod": {"ACME_GCP_PROD_WIF_CONFIG", "ACME_MLFLOW_TRACKING_TOKEN"},
}


class Environs:
    """The environment of every Terraform and provider process while it runs."""

    def __init__(self) -> None:
        self.seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Environs:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for pid in processes(
                lambda c: "zenml_tui.terraform.embedded" in c or "zenml_tui.provider" in c
            ):
                if pid not in self.seen:
                    try:
                        environ = Path(f"/proc/{pid}/environ").read_bytes()
                        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    except OSError:
                        continue
                    kind = "provider" if b"zenml_tui.provider" in cmdline else "terraform"
                    self.seen[pid] = kind + "\0" + environ.decode("utf-8", "replace")
            self._stop.wait(0.01)


def test_secrets_reach_only_what_needs_them(tmp_path: Path) -> None:
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    saved = set_environ({**SECRETS, **terraform_environment(tmp_path)})
    session = open_session(root)
    try:
        for env in USES:
            with Environs() as watched:
                plan = asyncio.run(plans.plan(session, env))
                assert plan.run.outcome is plans.RunOutcome.CHANGES, env
                asyncio.run(plans.apply(session, env, confirm_env=env))
            kinds = {v.split("\0", 1)[0] for v in watched.seen.values()}
            assert kinds == {"terraform", "provider"}, (env, kinds)
            held = []
            for described in watched.seen.values():
                has = {name for name, mark in MARKS.items() if mark in described}
                assert has <= USES[env], (env, described.split("\0", 1)[0], has)
                assert not any(f"{name}=" in described for name in SECRETS)  # not as vars
                held.append(has)
            assert USES[env] in held  # the plan's Terraform had what the layers reference
        server = local_server(session)
        running = server.running()
        assert running is not None
        server_env = Path(f"/proc/{running[0]}/environ").read_bytes().decode()
        assert not any(mark in server_env for mark in MARKS.values())

        state_dir = session.platform.state_dir
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            holds = [n for n, mark in MARKS.items() if mark.encode() in data]
            private = path.name.startswith("terraform.tfstate") or path.suffix == ".tfplan"
            if private:
                assert path.is_relative_to(state_dir), path
                assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))
                assert path.parent.stat().st_mode & 0o077 == 0, path.parent
            else:
                assert holds == [], (path, holds)
        for env in USES:
            asyncio.run(plans.destroy(session, env, confirm_env=env))
    finally:
        local_server(session).down()
        restore_environ(saved)
