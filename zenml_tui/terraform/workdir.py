"""An environment's Terraform working directory.

Layout under the platform's state directory:

    terraform/<provider source>/modules/...   a copy of the bundled modules; Terraform runs
                                              in modules/platform (its .terraform and lock
                                              file are per provider source)
    state/<workspace>/terraform.tfstate       each environment's registration state
                                              (local backend workspace_dir)
    terraform/<source>+<backend type>/...     the same for another backend type: the copy
                                              adds an override file choosing the type, and
                                              each backend configuration has its own
                                              data directory (data/<key>, TF_DATA_DIR)
    plugins/                                  the bundled provider's plugin directory
    terraformrc                               the CLI config when the user has none
    terraform/infrastructure[+type]/...       the same for the infrastructure root
                                              (modules/base_infra), its state under
                                              infra-state/<workspace>/ (local backend)
    terraform/infrastructure-reader[+type]/   a root of nothing but the infrastructure
                                              backend: reads that state's outputs with
                                              no provider to install

Init is cached per module contents, provider source and engine.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.fsutil import write_atomic
from zenml_tui.platform.backends import LOCAL, BackendRun, every_secret_variable, has_workspaces
from zenml_tui.terraform.engines import Engine, EventSink, Result

TF_FILES = ("*.tf",)
BACKEND_OVERRIDE = "zenml_tui_backend_override.tf"
LOCK_PROBE = "terraform_data.zenml_tui_lock_probe"  # an address no state of ours has
_LOCKED = "Error acquiring the state lock"
_STALE = "Saved plan is stale"
# a lock object another run holds, where the backend could not read its lock info
_LOCK_TAKEN = re.compile(r'writing "[^"]*\.tflock" failed: googleapi: Error 412')


class TerraformCancelled(ZenMLTUIError):
    """A preparatory command (init, workspace, show) was cancelled: the run stops."""

    def __init__(self, what: str) -> None:
        super().__init__(f"cancelled during terraform {what}", kind=Kind.CANCELLED)


class TerraformError(ZenMLTUIError):
    """A Terraform command failed; the message is Terraform's own diagnostics."""

    def __init__(self, what: str, result: Result) -> None:
        self.result = result
        text = result.error_text()
        self.lock: dict[str, str] = {}
        if _LOCKED in text or _LOCK_TAKEN.search(text):
            self.lock = lock_info(text)
            holder = self.lock.get("Who", "another run")
            operation = self.lock.get("Operation", "").removeprefix("OperationType").lower()
            since = lock_age(self.lock.get("Created", ""))
            details = ", ".join(d for d in (operation, f"for {since}" if since else "") if d)
            super().__init__(
                f"terraform {what} failed: the state is locked by {holder}"
                + (f" ({details})" if details else "")
                + ("" if self.lock else " (the backend did not say who holds it)"),
                kind=Kind.LOCK_HELD,
                hint="wait for that run to finish (the lock goes with the process holding it)",
            )
        elif _STALE in text:
            super().__init__(
                f"terraform {what} refused the plan: the state changed since the plan was "
                "made (another apply of this environment, perhaps by another operator)",
                kind=Kind.STALE_PLAN,
                hint="review a new plan: it starts from the state as it is now",
            )
        else:
            super().__init__(f"terraform {what} failed: {text}", kind=Kind.TERRAFORM)


def lock_info(text: str) -> dict[str, str]:
    """The `Lock Info:` block of Terraform's lock error: ID, Path, Operation, Who, ..."""
    info: dict[str, str] = {}
    block = text.split("Lock Info:", 1)[1] if "Lock Info:" in text else ""
    for line in block.splitlines():
        key, sep, value = line.strip().partition(":")
        if not sep or not key or " " in key:
            if info:
                break
            continue
        info[key] = value.strip()
    return info


def lock_age(created: str) -> str:
    """`2026-12-02 00:50:12.12345 +0000 UTC` as `12 s` (or "" when unreadable)."""
    import datetime as dt

    parts = created.split(" UTC")[0].split(" ")
    try:
        day, clock = parts[0], parts[1].split(".")[0]
        zone = parts[2] if len(parts) > 2 else "+0000"
        when = dt.datetime.strptime(f"{day} {clock} {zone}", "%Y-%m-%d %H:%M:%S %z")
    except (ValueError, IndexError):
        return ""
    seconds = int((dt.datetime.now(dt.UTC) - when).total_seconds())
    if seconds < 120:
        return f"{max(seconds, 0)} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def module_files(modules: Path) -> list[Path]:
    return sorted(p for p in modules.rglob("*.tf") if ".terraform" not in p.parts)


def modules_hash(modules: Path) -> str:
    h = hashlib.sha256()
    for p in module_files(modules):
        h.update(str(p.relative_to(modules)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


class Workdir:
    """Where Terraform runs for one platform and provider source."""

    def __init__(
        self,
        state_dir: Path,
        provider_source: str,
        engine: Engine,
        bundled_modules: Path,
        backend: BackendRun = LOCAL,
        *,
        root_name: str = "platform",
        copy_name: str | None = None,
        states: str = "state",
        declare_backend: bool = False,
    ) -> None:
        """`root_name` is the module Terraform runs in, `copy_name` names the copy of
        the modules (default: the provider source), `states` the local backend's
        directory; `declare_backend` writes the backend block even for the local
        backend (for a root that declares none, as modules/base_infra)."""
        self.state_dir = Path(state_dir)
        self.provider_source = provider_source
        self.engine = engine
        self.bundled_modules = bundled_modules
        self.backend = backend
        self.declare_backend = declare_backend
        kind = "" if backend.local else f"+{backend.kind}"
        self.base = self.state_dir / "terraform" / f"{copy_name or provider_source}{kind}"
        self.modules = self.base / "modules"
        self.root = self.modules / root_name
        self.workspaces = self.state_dir / states
        self.plugin_dir = self.state_dir / "plugins"
        # Terraform's data directory (.terraform) and the init marker, per backend
        self.data = None if backend.local else self.base / "data" / backend.key

    # -- files ----------------------------------------------------------------------------
    def sync_modules(self) -> str:
        """Copy the bundled modules' .tf files in (keeping .terraform and the lock file);
        returns the hash of the module contents."""
        wanted = {
            p.relative_to(self.bundled_modules): p for p in module_files(self.bundled_modules)
        }
        for rel, src in wanted.items():
            dst = self.modules / rel
            data = src.read_bytes()
            if not dst.is_file() or dst.read_bytes() != data:
                write_atomic(dst, data)
        override = self.root / BACKEND_OVERRIDE
        if not self.backend.local or self.declare_backend:
            text = f'terraform {{\n  backend "{self.backend.kind}" {{}}\n}}\n'
            if not override.is_file() or override.read_text() != text:
                write_atomic(override, text)
            wanted[override.relative_to(self.modules)] = override
        if self.modules.is_dir():
            for p in module_files(self.modules):
                if p.relative_to(self.modules) not in wanted:
                    p.unlink()
        return modules_hash(self.bundled_modules)

    def environment(
        self, extra: dict[str, str] | None = None, withheld: frozenset[str] = frozenset()
    ) -> dict[str, str]:
        """The Terraform process environment: ours, without the `withheld` variables
        (the platform's secrets and API keys: Terraform gets the secrets it needs in
        TF_VAR_secrets only), plus the caller's extras."""
        env = {k: v for k, v in os.environ.items() if k not in withheld}
        rc = env.get("TF_CLI_CONFIG_FILE")
        if not rc or not Path(rc).is_file():  # a missing CLI config breaks init here
            own = self.state_dir / "terraformrc"
            if not own.is_file():
                write_atomic(own, "disable_checkpoint = true\n")
            env["TF_CLI_CONFIG_FILE"] = str(own)
        env.update({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
        for key in every_secret_variable():  # a backend credential only for its backend
            env.pop(key, None)
        for key in (
            "TF_WORKSPACE",
            "TF_DATA_DIR",
            "TF_VAR_secrets",
            "ZENML_API_KEY",
            "ZENML_API_TOKEN",
            "ZENML_STORE_API_KEY",
            "ZENML_STORE_API_TOKEN",
        ):
            env.pop(key, None)
        env.update(self.backend.env)
        if self.data is not None:
            env["TF_DATA_DIR"] = str(self.data)
        env.update(extra or {})
        return env

    # -- commands ---------------------------------------------------------------------------
    async def _run(
        self,
        what: str,
        argv: list[str],
        env: dict[str, str],
        on_event: EventSink | None = None,
        ok: tuple[int, ...] = (0,),
        raw: bool = False,
    ) -> Result:
        self.root.mkdir(parents=True, exist_ok=True)
        result = await self.engine.run(argv, self.root, env, on_event, raw=raw)
        if result.cancelled and what not in ("plan", "apply"):
            raise TerraformCancelled(what)  # plan and apply report it in their result
        if result.retcode not in ok and not result.cancelled:
            raise TerraformError(what, result)
        return result

    async def init(self, env: dict[str, str], plugin_dir: Path | None) -> bool:
        """`terraform init` unless nothing changed since the last one; True when it ran."""
        module_hash = self.sync_modules()
        key_parts = [module_hash, self.provider_source, self.engine.name, str(self.workspaces)]
        key_parts.append(self.backend.key)
        if plugin_dir is not None:
            key_parts.append(hashlib.sha256(self._launcher_bytes(plugin_dir)).hexdigest())
        key = hashlib.sha256("\0".join(key_parts).encode()).hexdigest()
        data = self.data or self.root / ".terraform"
        marker = (self.data or self.base) / "init.key"
        if marker.is_file() and marker.read_text() == key and data.is_dir():
            return False
        argv = ["init", "-input=false", "-no-color", "-reconfigure"]
        if self.backend.local:
            self.workspaces.mkdir(parents=True, exist_ok=True)
            argv.append(f"-backend-config=workspace_dir={self.workspaces}")
        else:
            argv += [f"-backend-config={k}={v}" for k, v in sorted(self.backend.args.items())]
        if plugin_dir is not None:
            argv.append(f"-plugin-dir={plugin_dir}")
        try:
            await self._run("init", argv, env)
        except TerraformError as exc:
            lock = self.root / ".terraform.lock.hcl"
            if plugin_dir is None or "checksums" not in str(exc) or not lock.exists():
                raise
            # the bundled launcher changed (a new Python path): record its new hash
            lock.unlink()
            await self._run("init", argv, env)
        write_atomic(marker, key)
        return True

    @staticmethod
    def _launcher_bytes(plugin_dir: Path) -> bytes:
        return b"".join(p.read_bytes() for p in sorted(plugin_dir.rglob("terraform-provider-*")))

    async def workspaces_list(self, env: dict[str, str]) -> list[str]:
        result = await self._run("workspace list", ["workspace", "list", "-no-color"], env)
        return [line.strip(" *") for line in result.stdout.splitlines() if line.strip()]

    async def select_workspace(self, name: str, env: dict[str, str]) -> None:
        """Make sure the workspace exists (commands then name it in TF_WORKSPACE)."""
        if not has_workspaces(self.backend.kind):
            return
        known = None if self.data is None else self.data / "workspaces"
        if known is None and (self.workspaces / name).is_dir():
            return
        had = known.read_text().split() if known is not None and known.is_file() else []
        if name in had:
            return
        await self._run(
            "workspace select", ["workspace", "select", "-or-create=true", "-no-color", name], env
        )
        if known is not None:
            await self._give_lineage({**env, "TF_WORKSPACE": name})
            write_atomic(known, "\n".join([*had, name]) + "\n")

    async def _give_lineage(self, env: dict[str, str]) -> None:
        """A new remote workspace gets an empty state with a lineage at once: Terraform
        refuses a saved plan whose state has changed since only when the plan's state
        has one, and some backends (gcs) create a workspace without any state."""
        import json
        import uuid

        pulled = (await self.state_pull(env)).strip()
        if pulled and json.loads(pulled).get("lineage"):
            return
        empty = {"version": 4, "serial": 0, "lineage": str(uuid.uuid4()), "resources": []}
        empty |= {"terraform_version": "1.15.5", "outputs": {}}
        assert self.data is not None
        path = self.data / "empty.tfstate"
        write_atomic(path, json.dumps(empty), mode=0o600)
        try:
            await self._run("state push", ["state", "push", str(path)], env, ok=(0, 1))
        finally:
            path.unlink(missing_ok=True)

    def workspace_environment(self, name: str) -> dict[str, str]:
        """What names the workspace to every command (nothing for a backend without)."""
        return {"TF_WORKSPACE": name} if has_workspaces(self.backend.kind) else {}

    async def lock_held(self, env: dict[str, str]) -> dict[str, str] | None:
        """The lock info of another run's lock on the state, or None when it is free:
        a dry-run `state rm` of an address no state has takes the lock and gives it up
        (no provider is started)."""
        argv = ["state", "rm", "-dry-run", "-lock-timeout=0s", "-no-color", LOCK_PROBE]
        try:
            await self._run("state rm", argv, env)
        except TerraformError as exc:
            if exc.kind is Kind.LOCK_HELD:
                return exc.lock or {}
        return None

    async def force_unlock(self, env: dict[str, str], lock_id: str) -> None:
        await self._run("force-unlock", ["force-unlock", "-force", "-no-color", lock_id], env)

    async def state_push(self, env: dict[str, str], path: Path, force: bool = False) -> None:
        """`terraform state push` of the state file `path` (with `force`: over a state of
        another lineage or a higher serial)."""
        argv = ["state", "push", *(["-force"] if force else []), str(path)]
        await self._run("state push", argv, env)

    async def state_pull(self, env: dict[str, str]) -> str:
        """The current state as JSON (`terraform state pull`): what a remote backend has."""
        return (await self._run("state pull", ["state", "pull"], env, raw=True)).stdout

    async def plan(
        self,
        env: dict[str, str],
        tfvars: Path,
        plan_file: Path,
        on_event: EventSink | None = None,
        destroy: bool = False,
        *,
        lock: bool = True,
        refresh: bool = True,
    ) -> Result:
        """Plan to `plan_file`. Without `lock` no state lock is taken (a plan that is
        never applied: another run's lock does not stop it); without `refresh` the
        objects are not read back from the server (no drift: the state as it is)."""
        argv = [
            "plan",
            "-input=false",
            "-json",
            "-detailed-exitcode",
            f"-out={plan_file}",
            f"-var-file={tfvars}",
        ]
        if destroy:
            argv.insert(1, "-destroy")
        if not lock:
            argv.append("-lock=false")
        if not refresh:
            argv.append("-refresh=false")
        return await self._run("plan", argv, env, on_event, ok=(0, 2))

    async def show(self, env: dict[str, str], plan_file: Path) -> str:
        result = await self._run(
            "show", ["show", "-json", "-no-color", str(plan_file)], env, raw=True
        )
        return result.stdout

    async def apply(
        self, env: dict[str, str], plan_file: Path, on_event: EventSink | None = None
    ) -> Result:
        return await self._run(
            "apply", ["apply", "-input=false", "-json", str(plan_file)], env, on_event
        )

    async def refresh_only(
        self,
        env: dict[str, str],
        tfvars: Path,
        targets: list[str],
        on_event: EventSink | None = None,
    ) -> Result:
        """`terraform apply -refresh-only` of the `targets`: the state records what the
        server has for them; nothing on the server changes."""
        argv = ["apply", "-refresh-only", "-auto-approve", "-input=false", "-json"]
        argv += [f"-var-file={tfvars}", *(f"-target={t}" for t in targets)]
        return await self._run("apply", argv, env, on_event)

    async def outputs(self, env: dict[str, str]) -> str:
        return (await self._run("output", ["output", "-json", "-no-color"], env, raw=True)).stdout

    async def state_list(self, env: dict[str, str]) -> list[str]:
        result = await self._run("state list", ["state", "list", "-no-color"], env)
        return [line for line in result.stdout.splitlines() if line.strip()]

    async def state_json(self, env: dict[str, str]) -> str:
        return (await self._run("show", ["show", "-json", "-no-color"], env, raw=True)).stdout
