"""The `zenml-tui` command: the TUI by default, headless subcommands for scripts and CI.

Subcommands call the same operations as the app (`zenml_tui.platform.operations`).
Exit codes: 0 ok, 1 errors found (each printed as file:line:col: CODE message), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from zenml_tui import __version__
from zenml_tui.platform.definition import ScopeError
from zenml_tui.platform.errors import Diagnostic


def _print_errors(errors: Sequence[Diagnostic], stream=None) -> None:
    stream = stream or sys.stdout
    cwd = Path.cwd()
    for d in errors:
        print(d.format(relative_to=cwd), file=stream)
    files = {d.file for d in errors}
    stream.flush()
    print(
        f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {len(files)} "
        f"file{'s' if len(files) != 1 else ''}",
        file=sys.stderr,
    )


def _add_platform(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--platform",
        metavar="DIR",
        help="platform directory (default: the current directory if it holds "
        "platform.yaml, else the bundled example acme-ml)",
    )


def _add_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", required=True, metavar="ENV", help="environment")
    p.add_argument("--team", metavar="TEAM", help="narrow to a team")
    p.add_argument("--project", metavar="PROJECT", help="narrow to a project (implies its team)")


def _add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--terraform-bin",
        metavar="PATH",
        help="run this terraform or tofu binary instead of the embedded Terraform",
    )


def _add_confirm(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--yes", action="store_true", help="do not ask (not enough for protected environments)"
    )
    p.add_argument("--confirm-env", metavar="ENV", help="confirm a protected environment by name")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zenml-tui",
        description="Run ZenML ML infrastructure as code: layered config, Terraform plans, "
        "live server state. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"zenml-tui {__version__}")
    _add_platform(parser)
    parser.add_argument("--env", metavar="ENV", help="the environment the app opens on")
    parser.add_argument(
        "--offline", action="store_true", help="the app neither starts nor polls a ZenML server"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check every layer of every scope")
    _add_platform(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("render", help="print the merged configuration of a scope")
    _add_platform(p)
    _add_scope(p)
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")
    p.add_argument(
        "--tfvars",
        action="store_true",
        help="print exactly the tfvars JSON Terraform receives for the environment",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically)")

    p = sub.add_parser("explain", help="show a value and where it comes from")
    _add_platform(p)
    _add_scope(p)
    p.add_argument(
        "key", metavar="KEY.PATH", help="dotted path, e.g. components.orchestrator.flavor"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("plan", help="plan an environment; exit 0 no changes, 2 changes, 1 error")
    _add_platform(p)
    _add_engine(p)
    p.add_argument("--env", required=True, metavar="ENV")
    p.add_argument("--json", action="store_true", help="the review as JSON")

    p = sub.add_parser("apply", help="apply the latest (or the named) reviewed plan")
    _add_platform(p)
    _add_engine(p)
    p.add_argument("--env", required=True, metavar="ENV")
    p.add_argument("--run", metavar="ID", help="the plan run to apply (default: the latest)")
    _add_confirm(p)

    p = sub.add_parser("destroy", help="remove every object of the environment")
    _add_platform(p)
    _add_engine(p)
    p.add_argument("--env", required=True, metavar="ENV")
    _add_confirm(p)

    p = sub.add_parser(
        "status", help="live server objects and drift; exit 0 in sync, 2 drift, 1 unreachable"
    )
    _add_platform(p)
    p.add_argument("--env", required=True, metavar="ENV")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("runs", help="history of plans and applies")
    _add_platform(p)
    p.add_argument("--env", metavar="ENV")
    p.add_argument("--show", metavar="ID", help="print one run's record and event log")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("server", help="the local ZenML server of the platform")
    server_sub = p.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    for name, text in (
        ("up", "start it (idempotent); returns once /health answers"),
        ("status", "url, version, auth scheme and object counts; exit 1 when down"),
        ("env", "print the shell exports for Terraform and the Python client"),
        ("down", "stop it and wait for the process to end"),
    ):
        sp = server_sub.add_parser(name, help=text)
        _add_platform(sp)
        if name == "status":
            sp.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("provider", help="the bundled offline zenml-io/zenml provider")
    provider_sub = p.add_subparsers(dest="provider_command", metavar="ACTION", required=True)
    sp = provider_sub.add_parser(
        "mirror", help="write a plugin directory for terraform init -plugin-dir"
    )
    sp.add_argument("dir", metavar="DIR")
    return parser


def _session(args: argparse.Namespace):
    from zenml_tui.platform.operations import PlatformLoadError, open_platform

    try:
        return open_platform(args.platform)
    except PlatformLoadError as exc:
        _print_errors(exc.diagnostics)
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    from zenml_tui.platform.operations import cached_flavors, validate

    session = _session(args)
    if session is None:
        return 1
    errors = validate(session, cached_flavors(session))
    if args.json:
        print(json.dumps([_diag_dict(d) for d in errors], indent=2))
        return 1 if errors else 0
    if errors:
        _print_errors(errors)
        return 1
    p = session.platform
    n = len(p.scopes())
    print(f"{p.name}: {n} scopes in {len(p.spec.environments)} environments are valid")
    return 0


def _diag_dict(d: Diagnostic) -> dict:
    return {
        "code": d.code.value,
        "file": d.file,
        "line": d.line,
        "col": d.col,
        "path": d.path,
        "layer": d.layer,
        "message": d.message,
        "hint": d.hint,
    }


def _emit(text: str, output: str | None) -> None:
    if output:
        from zenml_tui.fsutil import write_atomic

        write_atomic(Path(output), text)
    else:
        sys.stdout.write(text)


def cmd_render(args: argparse.Namespace) -> int:
    from zenml_tui.platform import operations
    from zenml_tui.platform.render import dump_json, render_scope

    session = _session(args)
    if session is None:
        return 1
    if session.load_errors:
        _print_errors(session.load_errors)
        return 1
    if args.tfvars:
        if args.team or args.project:
            print(
                "zenml-tui: --tfvars renders a whole environment; drop --team/--project",
                file=sys.stderr,
            )
            return 2
        data, errors = operations.tfvars(session, args.env)
        if errors:
            _print_errors(errors)
            return 1
        _emit(dump_json(data), args.output)
        return 0
    result = operations.merge_scope(session, args.env, args.team, args.project)
    if result.errors:
        _print_errors(result.errors)
        return 1
    _emit(render_scope(result, args.format), args.output)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from zenml_tui.platform import operations
    from zenml_tui.platform.explain import ExplainError

    session = _session(args)
    if session is None:
        return 1
    try:
        ex = operations.explain_value(session, args.env, args.key, args.team, args.project)
    except ExplainError as exc:
        print(f"zenml-tui: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(ex.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(ex.format(relative_to=Path.cwd()))
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """The Textual app (imported only here: the headless commands never load Textual)."""
    from zenml_tui.platform.operations import PlatformLoadError

    try:
        from zenml_tui.ui.app import run
    except ImportError as exc:  # pragma: no cover - a broken install
        print(f"zenml-tui: the app cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        run(args.platform, args.env, args.offline)
    except PlatformLoadError as exc:
        _print_errors(exc.diagnostics)
        return 1
    return 0


def _local_server(args: argparse.Namespace):
    from zenml_tui.server.local import server_for

    session = _session(args)
    return None if session is None else server_for(session.platform)


def cmd_server(args: argparse.Namespace) -> int:
    import shlex

    from zenml_tui.server.local import ServerError

    server = _local_server(args)
    if server is None:
        return 1
    action = args.server_command
    try:
        if action == "up":
            st, started = server.up()
            verb = "started" if started else "already running"
            print(f"ZenML {st.version} {verb} at {st.url} (pid {st.pid}, auth {st.auth_scheme})")
            print(f"  state: {server.root}")
            return 0
        if action == "down":
            print("stopped" if server.down() else "not running")
            return 0
        if action == "env":
            for key, value in server.environment().items():
                print(f"export {key}={shlex.quote(value)}")
            return 0
        st = server.status()
        if getattr(args, "json", False):
            print(json.dumps(st.__dict__, indent=2))
        elif st.running:
            counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in st.counts.items())
            print(f"running at {st.url} (pid {st.pid}): ZenML {st.version}, auth {st.auth_scheme}")
            print(f"  {counts}")
        else:
            print(f"down ({st.problem})")
        return 0 if st.running else 1
    except ServerError as exc:
        print(f"zenml-tui: {exc}", file=sys.stderr)
        return 1


_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "read": "<="}


def _print_review(model, env: str) -> None:
    groups = model.by_action()
    for action in ("create", "update", "replace", "delete", "read"):
        items = groups.get(action) or []
        if not items:
            continue
        print(f"{action} ({len(items)}):")
        for change in items:
            reason = f"  [{change.reason}]" if change.reason and action == "replace" else ""
            print(f"  {_SYMBOL[action]} {change.address}{reason}")
            if action in ("update", "replace"):
                for d in change.diffs():
                    mark = "  # forces replacement" if d.forces_replace else ""
                    print(f"      {d.path}: {_short(d.before)} -> {_short(d.after)}{mark}")
    if model.drift:
        print(f"drift ({len(model.drift)} changed outside Terraform):")
        for change in model.drift:
            print(f"  ! {change.address} ({change.action})")
    print(f"{env}: {model.summary()}")


def _short(value: object) -> str:
    from zenml_tui.terraform.plan import _ABSENT, SENSITIVE, UNKNOWN

    if value is _ABSENT:
        return "(none)"
    text = value if value in (SENSITIVE, UNKNOWN) else json.dumps(value)
    return str(text) if len(str(text)) <= 80 else str(text)[:77] + "..."


def _progress(event: dict) -> None:
    kind = event.get("type")
    if (
        kind in ("planned_change", "apply_complete", "apply_errored")
        or event.get("@level") == "error"
    ):
        print(f"  {event.get('@message', '')}", file=sys.stderr)


def _confirm(args: argparse.Namespace, session, action: str) -> bool:
    env = session.platform.spec.environments[args.env]
    if env.protected:
        if args.confirm_env == args.env:
            return True
        if sys.stdin.isatty():
            typed = input(f"{args.env} is protected. Type its name to {action}: ").strip()
            return typed == args.env
        print(f"zenml-tui: {args.env} is protected: add --confirm-env {args.env}", file=sys.stderr)
        return False
    if args.yes:
        return True
    if sys.stdin.isatty():
        return input(f"{action} {args.env}? [y/N] ").strip().lower() in ("y", "yes")
    print("zenml-tui: not a terminal: add --yes to confirm", file=sys.stderr)
    return False


def _run_async(coro):
    import asyncio

    return asyncio.run(coro)


def _engine(args: argparse.Namespace):
    from zenml_tui.terraform.engines import make_engine

    return make_engine(getattr(args, "terraform_bin", None))


def _operation_failed(exc: Exception) -> int:
    diagnostics = getattr(exc, "diagnostics", None)
    if diagnostics:
        _print_errors(diagnostics)
    print(f"zenml-tui: {exc}", file=sys.stderr)
    return 1


def cmd_plan(args: argparse.Namespace) -> int:
    from zenml_tui.terraform import operations as ops
    from zenml_tui.terraform.engines import EngineError

    session = _session(args)
    if session is None:
        return 1
    session.platform.scope(args.env)
    try:
        outcome = _run_async(
            ops.plan(session, args.env, _engine(args), None if args.json else _progress)
        )
    except (ops.OperationError, EngineError) as exc:
        return _operation_failed(exc)
    if outcome.model is None:
        print("plan cancelled", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"run": outcome.run.id, **outcome.model.to_dict()}, indent=2))
    else:
        _print_review(outcome.model, args.env)
        print(f"plan run {outcome.run.id}; apply it: zenml-tui apply --env {args.env}")
    return 2 if outcome.run.outcome == "changes" else 0


def cmd_apply(args: argparse.Namespace, destroy: bool = False) -> int:
    from zenml_tui.terraform import operations as ops
    from zenml_tui.terraform.engines import EngineError

    session = _session(args)
    if session is None:
        return 1
    session.platform.scope(args.env)
    store = ops.runs(session)
    if not destroy:
        run = store.load(args.run) if args.run else store.latest_plan(args.env)
        if run is not None and run.kind == "plan":
            counts = ", ".join(f"{n} {a}" for a, n in run.summary.items() if n and a != "no-op")
            print(f"plan {run.id}: {counts or 'no changes'}")
    if not _confirm(args, session, "destroy" if destroy else "apply"):
        print("zenml-tui: not confirmed; nothing was changed", file=sys.stderr)
        return 1
    try:
        if destroy:
            outcome = _run_async(ops.destroy(session, args.env, _engine(args), _progress))
        else:
            outcome = _run_async(ops.apply(session, args.env, args.run, _engine(args), _progress))
    except (ops.OperationError, EngineError) as exc:
        return _operation_failed(exc)
    print(f"{outcome.run.kind} run {outcome.run.id}: {outcome.run.outcome}. {outcome.run.message}")
    return 0 if outcome.run.outcome == "applied" or outcome.run.outcome == "no-changes" else 1


def cmd_destroy(args: argparse.Namespace) -> int:
    return cmd_apply(args, destroy=True)


def cmd_status(args: argparse.Namespace) -> int:
    from zenml_tui.server.local import ServerError
    from zenml_tui.server.rest import ZenMLError
    from zenml_tui.terraform import operations as ops

    session = _session(args)
    if session is None:
        return 1
    session.platform.scope(args.env)
    try:
        report = ops.status(session, args.env)
    except (ServerError, ZenMLError) as exc:
        print(f"zenml-tui: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(f"{args.env}: ZenML {report.version} at {report.url}")
        for obj in report.objects:
            mark = "managed" if obj.managed else "other"
            drift = f"  DRIFT: {obj.drift}" if obj.drift else ""
            print(f"  {obj.kind:<10} {obj.name:<40} {obj.detail:<32} {mark}{drift}")
        for gone in report.missing:
            print(f"  {gone.kind:<10} {gone.name:<40} {gone.address}  DRIFT: {gone.drift}")
        print(f"{len(report.drifted)} drifted")
    return 2 if report.drifted else 0


def cmd_runs(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from zenml_tui.terraform import operations as ops

    session = _session(args)
    if session is None:
        return 1
    store = ops.runs(session)
    if args.show:
        run = store.load(args.show)
        if run is None:
            print(f"zenml-tui: no run {args.show}", file=sys.stderr)
            return 1
        print(json.dumps(asdict(run), indent=2))
        for event in store.events(run.id):
            print(event.get("@message", ""))
        return 0
    items = store.list(args.env)
    if args.json:
        print(json.dumps([asdict(r) for r in items], indent=2))
        return 0
    for run in items:
        print(f"{run.label}  {run.message}")
    if not items:
        print("no runs yet")
    return 0


def cmd_provider(args: argparse.Namespace) -> int:
    from zenml_tui.provider.mirror import write_mirror

    path = write_mirror(Path(args.dir))
    print(f"wrote {path}")
    print(f"use it with: terraform init -plugin-dir {Path(args.dir).resolve()}")
    return 0


COMMANDS = {
    "validate": cmd_validate,
    "render": cmd_render,
    "explain": cmd_explain,
    "server": cmd_server,
    "provider": cmd_provider,
    "plan": cmd_plan,
    "apply": cmd_apply,
    "destroy": cmd_destroy,
    "runs": cmd_runs,
    "status": cmd_status,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = COMMANDS.get(args.command or "", cmd_app)
    try:
        return handler(args)
    except ScopeError as exc:
        print(f"zenml-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for the user; one for us on request
        if os.environ.get("ZENML_TUI_DEBUG"):
            raise
        print(
            f"zenml-tui: internal error: {type(exc).__name__}: {exc}\n"
            "  set ZENML_TUI_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
