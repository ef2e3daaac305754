"""Benchmark the layering engine at platform scale.

Generates a platform with 4 environments, 20 teams, 200 projects and about 2,000 leaves
per scope, then reports:
  * the keystroke path: a one-line edit in the editor's buffer of a layer -> parse that
    buffer, merge the scope, resolve references, validate (median and p95 over many
    edits), for a project, team, environment and base layer;
  * the same with a new line added each time (the full-parse path);
  * both with CPython's default GC settings and with the app's (zenml_tui.ui.gctune:
    no automatic collection, the due one between keystrokes);
  * the largest layers the editor accepts (zenml_tui.ops.layers: EDITOR_MAX_VALUES
    values in short lines, the most values per byte; EDITOR_MAX_BYTES of long values),
    as the project layer of the same scope: keystroke to merged preview must stay under
    50 ms (the bounds are lowered until it does);
  * rendering every scope (cold engine): merge + resolve + validate all 884 scopes and
    build the tfvars of all 4 environments.

Run: .venv/bin/python bench/merge.py [--edits N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from zenml_tui.ops.layers import EDITOR_MAX_BYTES, EDITOR_MAX_VALUES, read_layer
from zenml_tui.ops.session import open_session
from zenml_tui.platform.nodes import LIST, MAP, walk
from zenml_tui.platform.render import build_tfvars
from zenml_tui.ui.gctune import COLLECTOR

ENVS = ["local", "dev", "staging", "prod"]
TEAMS = [f"team{i:02d}" for i in range(20)]
PROJECTS = [f"project{i:03d}" for i in range(200)]
TYPES = [
    "artifact_store",
    "container_registry",
    "orchestrator",
    "step_operator",
    "experiment_tracker",
    "model_deployer",
    "model_registry",
    "data_validator",
    "feature_store",
    "image_builder",
    "alerter",
    "annotator",
    "deployer",
    "log_store",
]
KEYS_PER_COMPONENT = 137


def generate(root: Path) -> None:
    lines = ["platform: bench", 'stack_version: "9.9.9"', "cloud: gcp", "secrets:"]
    lines += ["  SA_JSON:", "    env: BENCH_SA_JSON", "environments:"]
    for env in ENVS:
        lines += [f"  {env}:", f"    workspace: {env}"]
    lines.append("teams:")
    for team in TEAMS:
        lines += [f"  {team}:", "    components: [orchestrator, experiment_tracker]"]
    lines.append("projects:")
    for i, project in enumerate(PROJECTS):
        lines += [f"  {project}:", f"    team: {TEAMS[i % len(TEAMS)]}"]
    (root / "layers" / "env").mkdir(parents=True)
    (root / "layers" / "team").mkdir()
    (root / "layers" / "project").mkdir()
    (root / "platform.yaml").write_text("\n".join(lines) + "\n")

    base = ["location: europe-west1", "labels:"]
    base += [f"  label{i}: value-{i}" for i in range(40)]
    base += ["  environment: ${environment}", "infrastructure:", "  bucket: bench-bucket"]
    base += [
        "connector:",
        "  type: gcp",
        "  auth_method: service-account",
        "  configuration:",
        "    project_id: bench",
        "    service_account_json: ${secret:SA_JSON}",
        "components:",
    ]
    for t in TYPES:
        base += [f"  {t}:", "    flavor: gcp", "    configuration:"]
        for k in range(KEYS_PER_COMPONENT):
            if k % 20 == 0:
                base.append(f"      key{k}: ${{location}}-{k}")
            elif k % 7 == 0:
                base.append(f"      key{k}: {k}")
            else:
                base.append(f"      key{k}: value-{t}-{k}")
        base += ["    labels:", f"      kind: {t}"]
    (root / "layers" / "base.yaml").write_text("\n".join(base) + "\n")

    for env in ENVS:
        text = [f"location: region-{env}", "components:"]
        for t in TYPES:
            text += [f"  {t}:", "    configuration:"]
            text += [f"      key{k}: {env}-override-{k}" for k in range(1, 60, 8)]
        (root / "layers" / "env" / f"{env}.yaml").write_text("\n".join(text) + "\n")
    for team in TEAMS:
        text = ["labels:", f"  owner: {team}", "components:"]
        for t in ("orchestrator", "experiment_tracker"):
            text += [f"  {t}:", "    configuration:"]
            text += [f"      key{k}: {team}-{k}" for k in range(2, 40, 3)]
        (root / "layers" / "team" / f"{team}.yaml").write_text("\n".join(text) + "\n")
    for project in PROJECTS:
        text = [
            "components:",
            "  artifact_store:",
            "    configuration:",
            "      path: gs://${infrastructure.bucket}/projects/${project}/${environment}",
        ]
        text += [f"      key{k}: {project}-{k}" for k in range(3, 30, 2)]
        text += ["    labels:", f"      project: {project}"]
        (root / "layers" / "project" / f"{project}.yaml").write_text("\n".join(text) + "\n")


def leaves(tree) -> int:
    return sum(1 for _p, n in walk(tree) if not (n.kind in (MAP, LIST) and n.value))


def keystroke(session, scope, path: Path, edits: int, structural: bool = False):
    """Type into one value line (a new text each time), or, with `structural`, add a
    new line each time (which takes the full parse). Returns (times, fast-path hits)."""
    lines = path.read_text().splitlines()
    target = max(i for i, line in enumerate(lines) if ": " in line and "${" not in line)
    times: list[float] = []
    fast = 0
    index = [d.path for d in session.layering.scope(scope).layers].index(path)
    for i in range(edits):
        edited = list(lines)
        key, _, value = edited[target].partition(": ")
        if structural:
            edited.insert(target + 1, f"{key}_extra{i}: {value}")
        else:
            edited[target] = f"{key}: {value}-{i}"
        text = "\n".join(edited) + "\n"
        t0 = time.perf_counter()
        result = session.layering.scope(scope, {path: text})
        times.append(time.perf_counter() - t0)
        assert not result.errors, result.errors[:3]
        fast += result.layers[index].incremental
        COLLECTOR.collect_due()  # the app's: after the preview is painted (if started)
    return times, fast


def keystroke_rows(session, scope, rows, edits: int) -> None:
    p = session.platform
    for ref, structural in rows:
        path = p.layer_path(ref)
        times, fast = keystroke(session, scope, path, edits, structural)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        n_lines = len(path.read_text().splitlines())
        what = "new line" if structural else "value edit"
        print(
            f"  {ref.label:<18} {what:<10} ({n_lines:>5} lines)  "
            f"median {ms(statistics.median(times))}  p95 {ms(p95)}  max {ms(times[-1])}  "
            f"[fast path {fast}/{len(times)}]"
        )


def largest_layers(root: Path, scope_of, edits: int) -> None:
    """The project layer of the scope replaced by the largest layers the editor opens."""
    path = root / "layers" / "project" / "project007.yaml"
    original = path.read_text()
    head = original + "labels:\n"
    # short lines: as many values as the bound allows (the costliest bytes)
    per_value = len(head.splitlines())
    short = head + "".join(f"  k{i:05d}: v{i}\n" for i in range(EDITOR_MAX_VALUES - per_value - 1))
    # long values: as many bytes as the bound allows
    long_lines, size = [], len(head)
    while size + 250 < EDITOR_MAX_BYTES:
        row = f"  k{len(long_lines):05d}: {'x' * 235}\n"
        long_lines.append(row)
        size += len(row)
    rows = [("values", short), ("bytes", head + "".join(long_lines))]
    print(
        f"largest layers the editor accepts (project layer; bounds: {EDITOR_MAX_VALUES:,} "
        f"values, {EDITOR_MAX_BYTES:,} bytes), {edits} value edits each, app GC settings:"
    )
    try:
        for what, text in rows:
            path.write_text(text)
            session = open_session(root)
            read_layer(session, path)  # raises if the editor would refuse it
            scope = scope_of(session)
            session.layering.scope(scope)
            times, fast = keystroke(session, scope, path, edits)
            times.sort()
            print(
                f"  at the {what} bound ({len(text):,} bytes, {len(text.splitlines()):,} lines)  "
                f"median {ms(statistics.median(times))}  "
                f"p95 {ms(times[int(len(times) * 0.95) - 1])}  max {ms(times[-1])}  "
                f"[fast path {fast}/{len(times)}]"
            )
    finally:
        path.write_text(original)


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench-platform"
        root.mkdir()
        generate(root)
        session = open_session(root)
        p = session.platform
        scope = p.scope("prod", project="project007")
        t0 = time.perf_counter()
        first = session.layering.scope(scope)
        cold_one = time.perf_counter() - t0
        assert not first.errors, [e.format() for e in first.errors[:5]]
        print(
            f"platform: {len(ENVS)} environments, {len(TEAMS)} teams, {len(PROJECTS)} projects, "
            f"{len(p.scopes())} scopes"
        )
        print(f"leaves in one project scope: {leaves(first.tree)}")
        print(f"first merge of one scope (cold, parses 4 layers): {ms(cold_one)}")
        print()
        layer_refs = p.layers_for(scope)
        rows = [(ref, False) for ref in reversed(layer_refs)] + [
            (layer_refs[1], True),
            (layer_refs[0], True),
        ]
        for gc_mode in ("default", "interactive"):
            if gc_mode == "interactive":
                COLLECTOR.start()
            print(
                f"keystroke path (parse buffer + merge + resolve + validate), {args.edits} "
                f"edits each, {gc_mode} GC settings:"
            )
            keystroke_rows(session, scope, rows, args.edits)
            print()
        largest_layers(root, lambda s: s.platform.scope("prod", project="project007"), args.edits)
        print()
        runs = []
        for _ in range(3):
            fresh = open_session(root)
            t0 = time.perf_counter()
            total_errors = 0
            for env in ENVS:
                _, errors = build_tfvars(fresh.layering, env)
                total_errors += len(errors)
            runs.append(time.perf_counter() - t0)
            assert total_errors == 0
        shown = ", ".join(ms(r) for r in runs)
        print(
            f"render all {len(p.scopes())} scopes + tfvars of {len(ENVS)} environments "
            f"(cold engine): median {ms(statistics.median(runs))} (runs: {shown})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
