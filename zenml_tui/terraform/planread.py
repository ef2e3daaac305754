"""Reading a saved plan into the plan model: natively (terraform/planfile.py) where the
plan's Terraform version allows, else from `terraform show -json`, whose large output is
parsed in a child process.

`json.loads` of a 10,000-change plan (7.7 MB) is one C call of ~100 ms that holds the
GIL: run in a worker thread of the app it still freezes the screen for that long. Above
`ISOLATE_BYTES` the JSON is parsed in a child Python process, which sends back one line
per resource change: its summary fields, then the change itself as JSON text that the
model decodes only when the change is looked at. The parent never makes a long C call.

The child's protocol (stdin: the masks (secret values, their names, the layers' plain values) as
JSON on the first line, then the
plan JSON; stdout: a header line, then `c`/`d` lines for changes/drift) carries secret
values over pipes only, never through files or arguments.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.terraform.plan import (
    Masks,
    OutputChange,
    PlanModel,
    ResourceChange,
    model_differences,
    model_masks,
    output_change,
    resource_change,
)

if TYPE_CHECKING:
    from zenml_tui.terraform.workdir import Workdir

ISOLATE_BYTES = 1_000_000  # about 1,300 changes; json.loads below this takes < 15 ms


class PlanReadError(ZenMLTUIError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind=Kind.TERRAFORM, hint="plan again")


def read_plan(
    text: str,
    secrets: frozenset[str] | set[str] | Masks = frozenset(),
    isolate_bytes: int = ISOLATE_BYTES,
) -> PlanModel:
    """The plan model of `show -json` output; large plans are parsed in a child process."""
    if len(text) < isolate_bytes:
        return PlanModel.from_json(text, secrets)
    proc = subprocess.Popen(
        [sys.executable, "-m", "zenml_tui.terraform.planread"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        masks = secrets if isinstance(secrets, Masks) else Masks(frozenset(secrets))
        proc.stdin.write(_masks_line(masks))
        proc.stdin.write(text.encode("utf-8"))
        proc.stdin.close()
        model = _receive(proc.stdout)
    except (OSError, ValueError) as exc:
        proc.kill()
        proc.wait()
        raise PlanReadError(f"reading the plan failed: {exc}") from None
    err = proc.stderr.read().decode("utf-8", "replace").strip()
    if proc.wait() != 0 or model is None:
        raise PlanReadError(f"reading the plan failed: {err.splitlines()[-1] if err else '?'}")
    return model


# how saved plans are read: "native" (the default: `show -json` only for a plan this
# reader does not know), "show-json" (always Terraform's), "check" (both, compared field
# by field: a difference fails the plan, saying what differs; the test suite runs so)
READER_ENV = "ZENML_TUI_PLAN_READER"
NATIVE = "native"
SHOW_JSON = "terraform show -json"


async def read_saved(
    workdir: Workdir, env: dict[str, str], plan_file: Path, masks: Masks
) -> tuple[PlanModel, str]:
    """The model of the saved plan `plan_file` and how it was read (for the run record):
    "native", or "terraform show -json" with the reason when the native reader could not
    read it."""
    from zenml_tui.terraform import planfile

    mode = os.environ.get(READER_ENV, NATIVE)
    reason = "asked for (ZENML_TUI_PLAN_READER)"
    native: PlanModel | None = None
    if mode != "show-json":
        try:
            native = await asyncio.to_thread(
                lambda: PlanModel.from_json(planfile.read(plan_file), masks)
            )
        except planfile.PlanFileUnreadable as exc:
            reason = str(exc)
        if native is not None and mode != "check":
            return native, NATIVE
    text = await workdir.show(env, plan_file)
    shown = await asyncio.to_thread(read_plan, text, masks)
    if native is not None:  # the cross-check
        differences = model_differences(native, shown)
        if differences:
            raise PlanReadError(
                f"the native plan reader and {SHOW_JSON} differ: " + "; ".join(differences)
            )
        return native, f"{NATIVE} (checked against {SHOW_JSON}: the same)"
    return shown, f"{SHOW_JSON} ({reason})"


def _masks_line(masks: Masks) -> bytes:
    body = {
        "secrets": sorted(masks.secrets),
        "names": dict(masks.names),
        "harmless": sorted(masks.harmless),
    }
    return json.dumps(body).encode() + b"\n"


def _masks_of(body: dict[str, Any]) -> Masks:
    return Masks(frozenset(body["secrets"]), body["names"], frozenset(body["harmless"]))


def _receive(stream: IO[bytes]) -> PlanModel | None:
    first = stream.readline()
    if not first:
        return None
    head = json.loads(first)
    known = _masks_of(head["masks"])
    changes: list[ResourceChange] = []
    drift: list[ResourceChange] = []
    for line in stream:  # one short Python step per change: the GIL changes hands between
        kind, meta, raw = line.split(b"\t", 2)
        address, type_, name, module, action, reason, paths, importing = json.loads(meta)
        change = ResourceChange(
            address, type_, name, module, action, reason, paths, raw.decode(), known, importing
        )
        (changes if kind == b"c" else drift).append(change)
    outputs = [OutputChange(*o) for o in head["outputs"]]
    return PlanModel(changes, drift, outputs, head["terraform_version"], head["errored"])


def _send(doc: dict[str, Any], given: Masks, out: IO[bytes]) -> None:
    known = model_masks(doc, given)
    outputs = []
    for name, oc in (doc.get("output_changes") or {}).items():
        o = output_change(name, oc, known)
        outputs.append([o.name, o.action, o.before, o.after, o.unknown, o.sensitive])
    head = {
        "masks": json.loads(_masks_line(known)),
        "outputs": outputs,
        "terraform_version": doc.get("terraform_version", ""),
        "errored": bool(doc.get("errored")),
    }
    out.write(json.dumps(head).encode() + b"\n")
    for kind, key in ((b"c", "resource_changes"), (b"d", "resource_drift")):
        for rc in doc.get(key) or []:
            c = resource_change(rc, known)
            meta = [
                c.address,
                c.type,
                c.name,
                c.module,
                c.action,
                c.reason,
                c.replace_paths,
                c.importing,
            ]
            out.write(kind + b"\t" + json.dumps(meta).encode() + b"\t")
            out.write(json.dumps(rc).encode() + b"\n")


def main() -> int:
    import gc

    gc.disable()  # a short-lived process reading acyclic JSON
    stdin = sys.stdin.buffer
    given = _masks_of(json.loads(stdin.readline()))
    doc = json.loads(stdin.read())
    _send(doc, given, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
