"""The `zenml-tui` command: the TUI by default, headless subcommands for scripts and CI.

Subcommands call the application layer (`zenml_tui.ops`), as the app does, and never
print an error themselves: every expected failure is a `ZenMLTUIError`, printed by
`main` in one place (located diagnostics on stdout, one line on stderr).

Exit codes follow Terraform's: 0 success, 1 error, 2 changes (`plan`) or drift
(`status`) only with `--detailed-exitcode`; 2 is also a usage error (argparse's, and an
unknown environment, team or project: what the command line names does not exist),
except with `--detailed-exitcode`, where every error is 1; 130 interrupted. An unknown
run or path is an error (1): it names something the history or a layer lacks.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from zenml_tui import __version__
from zenml_tui.errors import Diagnostic, Kind, ZenMLTUIError
from zenml_tui.textsafe import line, visible

if TYPE_CHECKING:
    from zenml_tui.ops.blast import BlastRadius
    from zenml_tui.ops.context import RunContext
    from zenml_tui.ops.plans import PlanModel
    from zenml_tui.ops.session import Session

T = TypeVar("T")
EXIT_OK, EXIT_ERROR, EXIT_DIFF, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 2, 130
LOCK_TIMEOUT = 5.0  # seconds a headless plan or apply waits for another run's state lock


def _print_errors(errors: Sequence[Diagnostic], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    cwd = Path.cwd()
    for d in errors:
        print(_shown(d, cwd), file=stream)
    files = {d.file for d in errors}
    stream.flush()
    print(
        f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {len(files)} "
        f"file{'s' if len(files) != 1 else ''}",
        file=sys.stderr,
    )


def _shown(d: Diagnostic, cwd: Path) -> str:
    """`file:line:col: CODE message [path]`, each part on its one line whatever it holds
    (a key may hold a newline or an escape sequence), the hint on the next."""
    where = f" [{line(d.path)}]" if d.path else ""
    text = f"{line(d.location(cwd))}: {d.code.value} {line(d.message)}{where}"
    return text + (f"\n    hint: {line(d.hint)}" if d.hint else "")


def table(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Rows as lines of columns two spaces apart, each column as wide as its widest
    value (the last one left as long as it is); each cell on one line, trailing blanks
    cut."""
    cells = [[line(c) for c in row] for row in rows]
    columns = max(map(len, cells), default=0)
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(columns)]
    return [
        (indent + "  ".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=False))).rstrip()
        for row in cells
    ]


PLATFORM_HELP = (
    "platform directory (default: the current directory if it holds platform.yaml, else "
    "the bundled example acme-ml)"
)


def _add_platform(p: argparse.ArgumentParser, top: bool = False, text: str = PLATFORM_HELP) -> None:
    """Before or after the command name (a subcommand's unset option must not hide the
    one given before it: hence SUPPRESS)."""
    p.add_argument(
        "--platform", metavar="DIR", default=None if top else argparse.SUPPRESS, help=text
    )


def _add_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", required=True, metavar="ENV", help="environment")
    p.add_argument("--team", metavar="TEAM", help="narrow to a team")
    p.add_argument("--project", metavar="PROJECT", help="narrow to a project (implies its team)")


def _add_engine(p: argparse.ArgumentParser, top: bool = False) -> None:
    p.add_argument(
        "--terraform-bin",
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="run this terraform or tofu binary instead of the embedded Terraform",
    )


def _add_confirm(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--yes", action="store_true", help="do not ask (not enough for protected environments)"
    )
    p.add_argument("--confirm-env", metavar="ENV", help="confirm a protected environment by name")


def _add_approver(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--approver",
        metavar="NAME",
        default=os.environ.get("ZENML_TUI_APPROVER") or None,
        help="who approved it, recorded in the run (default: $ZENML_TUI_APPROVER, else you)",
    )


def _add_detailed(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help=f"exit 2 when there are {what} (0 none, 1 error), as Terraform's plan does",
    )


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2 (argparse's convention)."""

    usage_exit = EXIT_USAGE

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(self.usage_exit)


class _DetailedParser(_Parser):
    """With --detailed-exitcode, 2 means changes and nothing else: usage errors exit 1."""

    usage_exit = EXIT_ERROR


def build_parser(detailed: bool = False) -> argparse.ArgumentParser:
    """The parser; its subparsers are of its class (argparse's default)."""
    parser_class = _DetailedParser if detailed else _Parser
    parser = parser_class(
        prog="zenml-tui",
        description="Run ZenML ML infrastructure as code: layered config, Terraform plans, "
        "live server state. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"zenml-tui {__version__}")
    _add_platform(parser, top=True)
    parser.add_argument("--env", metavar="ENV", help="the environment the app opens on")
    parser.add_argument(
        "--offline", action="store_true", help="the app neither starts nor polls a ZenML server"
    )
    _add_engine(parser, top=True)
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
        "key",
        metavar="KEY.PATH|ADDRESS",
        help="dotted path, e.g. components.orchestrator.flavor, or a resource address as "
        "the plan shows it followed by ATTRIBUTE",
    )
    p.add_argument(
        "attribute",
        metavar="ATTRIBUTE",
        nargs="?",
        help="with an ADDRESS: the attribute, e.g. configuration.machine_type",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("plan", help="plan an environment and review it; exit 0, 1 error")
    _add_platform(p)
    _add_engine(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--env", metavar="ENV")
    which.add_argument(
        "--all", action="store_true", help="every environment, side by side: a matrix of counts"
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="with --all: plans at once (default: one per core, at least 2)",
    )
    _add_lock_timeout(p)
    p.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="the review as text (default), JSON or Markdown (a pull-request comment)",
    )
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.add_argument("--output", "-o", metavar="FILE", help="write the review to FILE (atomically)")
    _add_detailed(p, "changes")

    p = sub.add_parser("apply", help="apply the latest (or the named) reviewed plan")
    _add_platform(p)
    _add_engine(p)
    p.add_argument("--env", required=True, metavar="ENV")
    p.add_argument("--run", metavar="ID", help="the plan run to apply (default: the latest)")
    _add_lock_timeout(p)
    _add_confirm(p)
    _add_approver(p)

    p = sub.add_parser("destroy", help="remove every object of the environment")
    _add_platform(p)
    _add_engine(p)
    p.add_argument("--env", required=True, metavar="ENV")
    _add_lock_timeout(p)
    _add_confirm(p)
    _add_approver(p)

    p = sub.add_parser("unlock", help="show and release a lock left on the state (force-unlock)")
    _add_platform(p)
    _add_engine(p)
    p.add_argument("--env", required=True, metavar="ENV")
    _add_confirm(p)

    p = sub.add_parser("migrate-state", help="move the state into the environment's new backend")
    _add_platform(p)
    _add_engine(p)
    p.add_argument("--env", required=True, metavar="ENV")
    _add_confirm(p)

    p = sub.add_parser("status", help="live server objects and drift; exit 0, 1 unreachable")
    _add_platform(p)
    p.add_argument("--env", required=True, metavar="ENV")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--accept",
        nargs="+",
        metavar="ADDRESS",
        help="ADDRESS [ATTRIBUTE ...]: accept the server's values of the drifted object's "
        "attributes (default: all it can) into the owning layer; prints the edit as a diff",
    )
    p.add_argument(
        "--write",
        action="store_true",
        help="with --accept: write the layer file and record the server's values in the state",
    )
    _add_lock_timeout(p)
    _add_detailed(p, "drifted objects")

    p = sub.add_parser(
        "adopt", help="adopt stacks, components and connectors made by hand on the server"
    )
    _add_platform(p)
    p.add_argument("--env", required=True, metavar="ENV")
    p.add_argument(
        "objects",
        nargs="*",
        metavar="KIND NAME",
        help="what to adopt, e.g. stack local-base-stack (a stack brings its components); "
        "none: list what can be adopted",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="write the layer files and keep the imports for the next plans",
    )
    p.add_argument("--json", action="store_true", help="machine-readable list")

    p = sub.add_parser("connector", help="the service connectors of an environment's server")
    connector_sub = p.add_subparsers(dest="connector_command", metavar="ACTION", required=True)
    sp = connector_sub.add_parser(
        "verify", help="ask the server to verify a connector; exit 1 when it says invalid"
    )
    _add_platform(sp)
    sp.add_argument("--env", required=True, metavar="ENV")
    sp.add_argument("name", metavar="NAME", help="the connector's name on the server")

    p = sub.add_parser("runs", help="history of plans and applies")
    _add_platform(p)
    p.add_argument("--env", metavar="ENV")
    p.add_argument("--show", metavar="ID", help="print one run's record and event log")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "infra", help="the infrastructure root (modules/base_infra) and its state's outputs"
    )
    infra_sub = p.add_subparsers(dest="infra_command", metavar="ACTION", required=True)
    for name, text in (
        ("plan", "plan the environment's infrastructure root in its own state"),
        ("apply", "apply that plan; its outputs then feed infrastructure:"),
        ("outputs", "the infrastructure state's outputs the layers get, and what is left out"),
    ):
        sp = infra_sub.add_parser(name, help=text)
        _add_platform(sp)
        _add_engine(sp)
        sp.add_argument("--env", required=True, metavar="ENV")
        if name == "apply":
            _add_confirm(sp)
        if name == "outputs":
            sp.add_argument("--json", action="store_true", help="machine-readable output")

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
    _add_platform(sp, text="accepted as by every command, and ignored: the mirror is the same")
    sp.add_argument("dir", metavar="DIR")
    return parser


def _session(args: argparse.Namespace) -> Session:
    from zenml_tui.ops.session import open_session

    session = open_session(args.platform, vars(args).get("terraform_bin"))
    if vars(args).get("env"):
        session.scope(args.env)  # an unknown environment is a usage error, before any work
    return session


def cmd_validate(args: argparse.Namespace) -> int:
    from zenml_tui.ops.config import cached_flavors, validate

    session = _session(args)
    errors = validate(session, cached_flavors(session))
    if args.json:
        print(json.dumps([_diag_dict(d) for d in errors], indent=2))
        return EXIT_ERROR if errors else EXIT_OK
    if errors:
        _print_errors(errors)
        return EXIT_ERROR
    p = session.platform
    n = len(p.scopes())
    print(f"{p.name}: {n} scopes in {len(p.spec.environments)} environments are valid")
    return EXIT_OK


def _diag_dict(d: Diagnostic) -> dict[str, Any]:
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


def _emit(text: str, output: str | None, exact: bool = False) -> None:
    """To the file exactly; to a terminal with its control characters shown (unless
    `exact`: the tfvars are Terraform's input, byte for byte)."""
    if output:
        from zenml_tui.ops.config import write_output

        write_output(Path(output), text)
    elif not exact and sys.stdout.isatty():
        sys.stdout.write(visible(text))
    else:
        sys.stdout.write(text)


def cmd_render(args: argparse.Namespace) -> int:
    from zenml_tui.ops import config

    session = _session(args)
    if args.tfvars:
        if args.team or args.project:
            raise ZenMLTUIError(
                "--tfvars renders a whole environment",
                kind=Kind.USAGE,
                hint="drop --team/--project",
            )
        _emit(config.tfvars_text(session, args.env), args.output, exact=True)
        return EXIT_OK
    _emit(config.render_scope(session, args.env, args.team, args.project, args.format), args.output)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from zenml_tui.ops import review
    from zenml_tui.ops.config import explain_value

    session = _session(args)
    if review.is_address(args.key) or args.attribute:
        return _explain_attribute(session, args)
    ex = explain_value(session, args.env, args.key, args.team, args.project)
    if args.json:
        print(json.dumps(ex.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(visible(ex.format(relative_to=Path.cwd())))
    return EXIT_OK


def _explain_attribute(session: Session, args: argparse.Namespace) -> int:
    """`explain --env ENV ADDRESS ATTRIBUTE`: the layer value behind a planned change."""
    from zenml_tui.ops import review

    if not args.attribute:
        raise ZenMLTUIError(
            "give the attribute after the address, e.g. configuration.machine_type",
            kind=Kind.USAGE,
        )
    origin, ex = review.explain_attribute(session, args.env, args.key, args.attribute)
    if args.json:
        body = {"address": args.key, "attribute": args.attribute, "origin": origin.to_dict()}
        if ex is not None:
            body["explanation"] = ex.to_dict()
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(visible(f"{args.key} {args.attribute}: {origin.text}"))
    if ex is not None:
        print(visible(ex.format(relative_to=Path.cwd())))
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    """The Textual app (imported only here: the headless commands never load Textual)."""
    try:
        from zenml_tui.ui.app import run
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ZenMLTUIError(
            f"the app cannot start: {exc}", kind=Kind.ENGINE, hint="reinstall zenml-tui"
        ) from None
    return run(args.platform, args.env, args.offline, args.terraform_bin)


def cmd_server(args: argparse.Namespace) -> int:
    import shlex

    from zenml_tui.ops import servers

    session = _session(args)
    action = args.server_command
    if action == "up":
        st, started = servers.server_up(session)
        verb = "started" if started else "already running"
        print(f"ZenML {st.version} {verb} at {st.url} (pid {st.pid}, auth {st.auth_scheme})")
        print(f"  state: {servers.local_server(session).root}")
        return EXIT_OK
    if action == "down":
        print("stopped" if servers.server_down(session) else "not running")
        return EXIT_OK
    if action == "env":
        for key, value in servers.server_environment(session).items():
            print(f"export {key}={shlex.quote(value)}")
        return EXIT_OK
    st = servers.server_status(session)
    if vars(args).get("json"):
        print(json.dumps(asdict(st), indent=2))
    elif st.key_refused:
        print(f"running at {st.url} (pid {st.pid}): ZenML {st.version}, auth {st.auth_scheme}")
        raise ZenMLTUIError(
            "the local ZenML server refuses the platform's API key",
            kind=Kind.SERVER_AUTH,
            hint="issue a new one: zenml-tui server up",
        )
    elif st.running:
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in st.counts.items())
        print(f"running at {st.url} (pid {st.pid}): ZenML {st.version}, auth {st.auth_scheme}")
        print(f"  {counts}")
    else:
        print(f"down ({st.problem})")
    return EXIT_OK if st.running and not st.key_refused else EXIT_ERROR


def print_review(model: PlanModel, env: str) -> None:
    from zenml_tui.ops.plans import SYMBOL

    groups = model.by_action()
    for action in ("create", "import", "update", "replace", "delete", "read"):
        items = groups.get(action) or []
        if not items:
            continue
        print(f"{action} ({len(items)}):")
        for change in items:
            reason = f"  [{change.reason}]" if change.reason and action == "replace" else ""
            adopted = f"  (object {change.importing})" if change.importing else ""
            print(line(f"  {SYMBOL[action]} {change.address}{reason}{adopted}"))
            if action in ("update", "replace", "import"):
                for d in change.diffs():
                    print(line(_diff_line(d.path, d.before, d.after, d.forces_replace)))
                    if d.origin is not None and d.origin.kind in ("layer", "secret"):
                        print(line(f"          <- {d.origin.text}"))
    if model.drift:
        print(f"drift ({len(model.drift)} changed outside Terraform):")
        for change in model.drift:
            print(line(f"  ! {change.address} ({change.action})"))
            for d in change.diffs():
                print(line("    " + _diff_line(d.path, d.before, d.after, False)))
    print(f"{env}: {model.summary()}")


def print_saved_review(data: dict[str, Any] | None) -> None:
    """What the confirmation is for: each change as the review showed it (masked)."""
    from zenml_tui.ops.plans import SYMBOL

    for change in (data or {}).get("changes") or []:
        action = change.get("action", "")
        print(line(f"  {SYMBOL.get(action, action)} {change.get('address', '')}"))
        if action not in ("update", "replace", "import"):
            continue
        for a in change.get("attributes") or []:
            before = a["before"] if a.get("before") is not None else None
            print(line(_diff_line(a["path"], before, a["after"], a.get("forces_replace", False))))
            origin = a.get("origin") or {}
            if origin.get("kind") in ("layer", "secret"):
                print(line(f"          <- {origin.get('text', '')}"))


def _diff_line(path: str, before: object, after: object, forces: bool) -> str:
    mark = "  # forces replacement" if forces else ""
    return f"      {path}: {_short(before)} -> {_short(after)}{mark}"


def _short(value: object) -> str:
    from zenml_tui.ops.plans import ABSENT, shown

    if value is ABSENT:
        return "(none)"
    text = shown(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _progress(event: dict[str, Any]) -> None:
    kind = event.get("type")
    if (
        kind in ("planned_change", "apply_complete", "apply_errored", "zenml_tui")
        or event.get("@level") == "error"
    ):
        print(f"  {visible(str(event.get('@message', '')))}", file=sys.stderr)


def _typed_confirmation(
    args: argparse.Namespace, session: Session, action: str, detail: str | None = None
) -> str | None:
    """The environment's name as the user confirmed it (None: not confirmed). A
    protected environment's name must be typed (`ops.confirm` enforces it); another
    needs --yes or a "y" on a terminal. `detail` (what a destroy removes) is in the
    question, or said on its own line where none is asked."""
    from zenml_tui.ops import confirm

    subject = f"{args.env}: {detail}" if detail else args.env
    protected = confirm.needs_typed_name(session, args.env)
    if detail and (protected or args.yes or not sys.stdin.isatty()):
        print(f"{action} {subject}", flush=True)
    if protected:
        if args.confirm_env is not None:
            return str(args.confirm_env)
        if sys.stdin.isatty():
            return str(input(f"{args.env} is protected. Type its name to {action}: "))
        return None  # refused by the operation, with the way out
    if args.yes:
        return str(args.env)
    if sys.stdin.isatty():
        answer = input(f"{action} {subject}? [y/N] ").strip().lower()
        return args.env if answer in ("y", "yes") else ""
    raise ZenMLTUIError(
        "not a terminal: nothing was changed", kind=Kind.NOT_CONFIRMED, hint="add --yes"
    )


def _run(ctx: RunContext, coro: Coroutine[Any, Any, T]) -> T:
    """Run an operation; Ctrl-C (SIGINT) or SIGTERM cancels it the way Terraform's own
    Ctrl-C does: the operations in flight finish and the state is saved. A second one
    stops Terraform at once."""
    import asyncio  # ~80 ms: only the commands that run Terraform need it
    import signal

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        presses = 0

        def interrupt() -> None:
            nonlocal presses
            presses += 1
            if presses == 1:
                print(
                    "zenml-tui: cancelling: Terraform finishes the operations in progress "
                    "and saves the state (interrupt again to stop it at once, which can "
                    "leave objects unrecorded)",
                    file=sys.stderr,
                )
                ctx.cancel()
            else:
                ctx.kill()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, interrupt)
        try:
            return await coro
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    return asyncio.run(guarded())


def _add_lock_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lock-timeout",
        type=float,
        default=LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"wait this long for another run's state lock (default {LOCK_TIMEOUT:g})",
    )


def cmd_plan(args: argparse.Namespace) -> int:
    from zenml_tui.ops import plans
    from zenml_tui.ops.context import RunContext

    fmt = "json" if args.json else args.format
    if args.all:
        return _plan_all(args, fmt)
    if args.jobs is not None:
        raise ZenMLTUIError("--jobs goes with --all", kind=Kind.USAGE)
    session = _session(args)
    ctx = RunContext(_progress if fmt == "text" else None, args.lock_timeout)
    outcome = _run(ctx, plans.plan(session, args.env, ctx))
    if outcome.model is None:
        raise ZenMLTUIError("plan cancelled", kind=Kind.CANCELLED)
    if fmt == "json":
        _emit(
            json.dumps({"run": outcome.run.id, **outcome.model.to_dict()}, indent=2) + "\n",
            args.output,
            exact=True,
        )
    elif fmt == "markdown":
        from zenml_tui.ops.markdown import plan_markdown

        text = plan_markdown(session.platform.name, args.env, outcome.model, outcome.run.commit)
        _emit(text, args.output)
    else:
        _review_text(outcome.model, args.env, outcome.run.id, args.output)
    changes = outcome.run.outcome is plans.RunOutcome.CHANGES
    return EXIT_DIFF if changes and args.detailed_exitcode else EXIT_OK


def _review_text(model: PlanModel, env: str, run_id: str, output: str | None) -> None:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        print_review(model, env)
        if model.has_changes:
            print(f"plan run {run_id}; apply it: zenml-tui apply --env {env}")
        else:
            print(f"plan run {run_id}; nothing to apply: {env} is as the layers say")
    _emit(buffer.getvalue(), output)


def _plan_all(args: argparse.Namespace, fmt: str) -> int:
    """`plan --all`: the matrix (and each environment's review in Markdown or JSON);
    exit 1 when any environment failed, else as for one plan."""
    from zenml_tui.ops import plan_all
    from zenml_tui.ops.context import RunContext
    from zenml_tui.ops.gitinfo import platform_commit

    session = _session(args)
    if args.jobs is not None and args.jobs < 1:
        raise ZenMLTUIError("--jobs must be at least 1", kind=Kind.USAGE)
    ctx = RunContext(None, args.lock_timeout)

    def done(row: plan_all.EnvPlan) -> None:
        if fmt == "text":
            print(f"  {row.environment}: {row.status} ({row.seconds:.1f} s)", file=sys.stderr)

    rows = _run(ctx, plan_all.plan_all(session, None, ctx, args.jobs, on_done=done))
    if fmt == "json":
        data = [_row_dict(r) for r in rows]
        _emit(json.dumps({"environments": data}, indent=2) + "\n", args.output, exact=True)
    elif fmt == "markdown":
        from zenml_tui.ops.markdown import plan_all_markdown

        commit = platform_commit(session.platform.root)
        _emit(plan_all_markdown(session.platform.name, rows, commit), args.output)
    else:
        _emit(_matrix_text(rows), args.output)
    for row in rows:
        if row.error is not None and row.error.kind is not Kind.CANCELLED:
            report(row.error, row.environment)
    if any(r.status == "cancelled" for r in rows):
        return EXIT_INTERRUPTED
    if any(r.error is not None for r in rows):
        return EXIT_ERROR
    changes = any(r.status == "changes" for r in rows)
    return EXIT_DIFF if changes and args.detailed_exitcode else EXIT_OK


def _row_dict(row: Any) -> dict[str, Any]:
    outcome = row.outcome
    return {
        "environment": row.environment,
        "status": row.status,
        "counts": row.counts,
        "run": outcome.run.id if outcome is not None else None,
        "seconds": round(row.seconds, 2),
        "error": row.error.one_line() if row.error is not None else None,
        "plan": outcome.model.to_dict() if outcome is not None and outcome.model else None,
    }


def _matrix_text(rows: Sequence[Any]) -> str:
    from zenml_tui.ops.plan_all import COLUMNS

    width = max([len("environment"), *(len(r.environment) for r in rows)])
    out = ["  ".join([f"{'environment':<{width}}", *(f"{c:>7}" for c in COLUMNS), "result"])]
    for r in rows:
        counts = r.counts
        cells = [f"{(counts.get(c, 0) if counts else '-'):>7}" for c in COLUMNS]
        if r.error is not None:
            result = f"{r.status}: {r.error.message}"
        else:
            assert r.outcome is not None
            result = f"{r.status} (run {r.outcome.run.id})"
        out.append(line("  ".join([f"{r.environment:<{width}}", *cells, result])))
    out.append("apply one environment at a time: zenml-tui apply --env ENV")
    return "\n".join(out) + "\n"


def cmd_apply(args: argparse.Namespace, destroy: bool = False) -> int:
    from zenml_tui.ops import blast, history, plans
    from zenml_tui.ops.context import RunContext

    session = _session(args)
    action = "destroy" if destroy else "apply"
    if not destroy:
        run = history.load_run(session, args.run) if args.run else None
        run = run or history.latest_plan(session, args.env)
        if run is not None and run.kind is plans.RunKind.PLAN:
            counts = ", ".join(f"{n} {a}" for a, n in run.summary.items() if n and a != "no-op")
            print(f"plan {run.id}: {counts or 'no changes'}")
            print_saved_review(plans.saved_review(session, run))
            _print_blast(blast.of_plan_run(session, args.env, run))
    else:
        _print_blast(blast.of_destroy(session, args.env))
    count = blast.destroy_count(session, args.env) if destroy else None
    typed = _typed_confirmation(args, session, action, count)
    if typed == "":
        raise ZenMLTUIError("not confirmed: nothing was changed", kind=Kind.NOT_CONFIRMED)
    ctx = RunContext(_progress, args.lock_timeout)
    if destroy:
        outcome = _run(
            ctx,
            plans.destroy(session, args.env, ctx, confirm_env=typed, approver=args.approver),
        )
    else:
        outcome = _run(
            ctx,
            plans.apply(
                session, args.env, args.run, ctx, confirm_env=typed, approver=args.approver
            ),
        )
    run = outcome.run
    print(f"{run.kind} run {run.id}: {run.outcome}. {run.message}")
    if run.outcome is plans.RunOutcome.CANCELLED:
        return EXIT_INTERRUPTED
    done = (plans.RunOutcome.APPLIED, plans.RunOutcome.NO_CHANGES)
    return EXIT_OK if run.outcome in done else EXIT_ERROR


def _print_blast(radius: BlastRadius | None) -> None:
    """What on the server uses the objects the run deletes or replaces (nothing when it
    deletes or replaces none), before the confirmation."""
    if radius is not None:
        sys.stdout.write("".join(line(text) + "\n" for text in radius.lines()))
        sys.stdout.flush()


def cmd_destroy(args: argparse.Namespace) -> int:
    return cmd_apply(args, destroy=True)


def cmd_unlock(args: argparse.Namespace) -> int:
    """Who holds the state's lock; released (force-unlock) once confirmed."""
    from zenml_tui.ops import locks
    from zenml_tui.ops.context import RunContext

    session = _session(args)
    ctx = RunContext(_progress)
    lock = _run(ctx, locks.held(session, args.env, ctx))
    if lock is None:
        print(f"{args.env}: the state is not locked")
        return EXIT_OK
    print(visible(lock.describe()))
    print("release it only if that run has ended: a run still going would then write the")
    print("state while another does")
    typed = _typed_confirmation(args, session, "release the lock of")
    if typed == "":
        raise ZenMLTUIError("not confirmed: the lock is kept", kind=Kind.NOT_CONFIRMED)
    _run(ctx, locks.release(session, args.env, lock.id, ctx, confirm_env=typed))
    print(f"{args.env}: lock {visible(lock.id)} released")
    return EXIT_OK


def cmd_migrate_state(args: argparse.Namespace) -> int:
    """The state left in the environment's previous backend, copied into its backend now
    once confirmed (from -> to, no credential shown)."""
    from zenml_tui.ops import plans
    from zenml_tui.ops.context import RunContext

    session = _session(args)
    ctx = RunContext(_progress)
    pending = _run(ctx, plans.pending_migration(session, args.env, ctx))
    if pending is None:
        print(f"{args.env}: nothing to migrate: its state is in its backend")
        return EXIT_OK
    print(visible(f"{args.env}: the state ({pending.resources} resources) is in"))
    print(visible(f"  from: {pending.source}"))
    print(visible(f"  to:   {pending.target} (which holds none)"))
    typed = _typed_confirmation(args, session, "migrate-state")
    if typed == "":
        raise ZenMLTUIError("not confirmed: nothing was changed", kind=Kind.NOT_CONFIRMED)
    moved = _run(ctx, plans.migrate_state(session, args.env, ctx, confirm_env=typed))
    if moved is None:
        print(f"{args.env}: nothing to migrate any more: its state is in its backend")
        return EXIT_OK
    print(visible(f"{args.env}: {moved.resources} resources copied to {moved.target}"))
    print(visible(f"the previous backend keeps its copy: {moved.source}"))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from zenml_tui.ops.drift import status

    session = _session(args)
    if args.write and not args.accept:
        raise ZenMLTUIError("--write goes with --accept ADDRESS", kind=Kind.USAGE)
    report = status(session, args.env)
    if args.accept:
        return _accept(session, args, report)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return EXIT_DIFF if report.drifted and args.detailed_exitcode else EXIT_OK
    print(f"{args.env}: ZenML {report.version} at {report.url}")
    print_status_objects(args.env, report)
    managed = Counter(obj.kind for obj in report.objects if obj.managed)
    kinds = ("stack", "component", "connector", "project", "secret")
    print(", ".join(f"{managed[k]} {k}{'s' if managed[k] != 1 else ''}" for k in kinds), end="")
    print(f" of {args.env}; {len(report.drifted)} drifted")
    if report.drifted:
        print(
            f"restore what drifted: zenml-tui plan --env {args.env} (the plan puts the layers' "
            f"values back), then zenml-tui apply --env {args.env}"
        )
    return EXIT_DIFF if report.drifted and args.detailed_exitcode else EXIT_OK


def print_status_objects(env: str, report: Any) -> None:
    """One row per live object (kind, name, detail, managed or other, a connector's
    expiry, drift), the columns as wide as their values; each drifted object's traced
    attributes below its row; then the objects deleted behind Terraform's back."""
    from zenml_tui.ops.connectors import expiry_text

    rows = []
    for obj in report.objects:
        expires = f"expires {expiry_text(obj.expires)}" if obj.kind == "connector" else ""
        drift = f"DRIFT: {obj.drift}" if obj.drift else ""
        mark = "managed" if obj.managed else "other"
        rows.append([obj.kind, obj.name, obj.detail, mark, expires, drift])
    for gone in report.missing:
        rows.append([gone.kind, gone.name, gone.address, "", "", f"DRIFT: {gone.drift}"])
    for i, text in enumerate(table(rows, indent="  ")):
        print(text)
        if i < len(report.objects):
            for d in report.traced.get(report.objects[i].id, []):
                _print_drifted(env, d)


def _print_drifted(env: str, d: Any) -> None:
    """One drifted attribute: state and server value, the layer value owning it, and how
    to accept it (or why it cannot be)."""
    import shlex

    def shown(value: object) -> str:
        return "(none)" if value is None else json.dumps(value, ensure_ascii=False)

    print(
        line(f"      {d.attribute}: {shown(d.state)} in the state, {shown(d.server)} on the server")
    )
    print(line(f"        owned by {d.origin.text}"))
    if d.refusal:
        print(line(f"        accept: no, {d.refusal}"))
    else:
        command = f"zenml-tui status --env {env} --accept {shlex.quote(d.address)} {d.attribute}"
        print(line(f"        accept: {command}"))


def _accept(session: Session, args: argparse.Namespace, report: Any) -> int:
    """`status --accept ADDRESS [ATTRIBUTE ...]`: the layer edit as a unified diff; with
    `--write` the layer file is written and the state records the server's values."""
    import shlex

    from zenml_tui.ops import drift, layers, plans
    from zenml_tui.ops.context import RunContext

    address, *attributes = args.accept
    found = drift.accept(session, args.env, report, address, attributes or None)
    root = session.platform.root
    for edit in found.edits:
        sys.stdout.write(visible(edit.diff(root)))
        for note in edit.notes:
            print(visible(f"note: {note}"))
    for refused in found.refused:
        print(visible(f"not accepted: {refused}"))
    if not args.write:
        again = " ".join(shlex.quote(a) for a in args.accept)
        print(f"write it: zenml-tui status --env {args.env} --accept {again} --write")
        return EXIT_OK
    for edit in found.edits:
        layers.save_layer(session, edit.layer, edit.after)
        print(visible(f"wrote {edit.layer.relative_to(root)}"))
    ctx = RunContext(_progress, args.lock_timeout)
    run = _run(ctx, plans.refresh(session, args.env, [address], ctx))
    print(visible(f"run {run.id}: {run.message}"))
    print(f"the next plan shows no change for it: zenml-tui plan --env {args.env}")
    return EXIT_OK


def cmd_connector(args: argparse.Namespace) -> int:
    """The server's verdict on a connector: valid (what it reaches) or its error."""
    from zenml_tui.ops.connectors import summary, verify_connector

    session = _session(args)
    answer = verify_connector(session, args.env, name=args.name)
    print(line(f"{answer.connector}: {summary(answer)}"))
    return EXIT_OK if answer.valid else EXIT_ERROR


def cmd_adopt(args: argparse.Namespace) -> int:
    """`adopt --env ENV`: what on the server could be adopted (and why the rest cannot);
    with KIND NAME pairs the layer edits as diffs and the imports, written with --yes."""
    from zenml_tui.ops import handmade, layers

    session = _session(args)
    if not args.objects:
        found = handmade.survey(session, args.env)
        if args.json:
            print(json.dumps([c.to_dict() for c in found], indent=2))
            return EXIT_OK
        waiting = {o.id for o in handmade.pending(session, args.env)}
        for c in found:
            where = c.address if c.adoptable else f"not adoptable: {c.reason}"
            if c.id in waiting:
                where += " (adoption pending: the next plan imports it)"
            print(line(f"  {c.kind:<10} {c.name:<40} {where}"))
        ready = sum(c.adoptable for c in found)
        print(f"{ready} of {len(found)} objects not in the state of {args.env} can be adopted")
        if ready:
            print(f"adopt them: zenml-tui adopt --env {args.env} KIND NAME ... --yes")
        return EXIT_OK
    pairs = args.objects
    kinds = ("stack", "component", "connector")
    if len(pairs) % 2 or any(k not in kinds for k in pairs[::2]):
        raise ZenMLTUIError(
            "give KIND NAME pairs, KIND one of stack, component, connector", kind=Kind.USAGE
        )
    wanted = list(zip(pairs[::2], pairs[1::2], strict=True))
    adoption = handmade.adopt_objects(session, args.env, wanted, record=args.yes)
    root = session.platform.root
    for edit in adoption.edits:
        sys.stdout.write(visible(edit.diff(root)))
    for c in adoption.adopted:
        print(line(f"import {c.kind} {c.name} ({c.id}) as {c.address}"))
    for note in adoption.notes:
        print(visible(f"note: {note}"))
    if not args.yes:
        print(f"write it: zenml-tui adopt --env {args.env} {' '.join(pairs)} --yes")
        return EXIT_OK
    for edit in adoption.edits:
        layers.save_layer(session, edit.layer, edit.after)
        print(visible(f"wrote {edit.layer.relative_to(root)}"))
    print(f"the next plan imports them: zenml-tui plan --env {args.env}")
    return EXIT_OK


def cmd_runs(args: argparse.Namespace) -> int:
    from zenml_tui.ops import history

    session = _session(args)
    if args.show:
        run = history.load_run(session, args.show)
        recorded = history.events(session, run.id)
        if args.json:
            print(json.dumps({"run": asdict(run), "events": recorded}, indent=2))
            return EXIT_OK
        for text in history.describe(run):
            print(line(text))
        print(f"events ({len(recorded)}):" if recorded else "events: none recorded")
        for text in history.event_lines(recorded):
            print(line(text))
        return EXIT_OK
    items = history.list_runs(session, args.env)
    if args.json:
        print(json.dumps([asdict(r) for r in items], indent=2))
        return EXIT_OK
    rows = []
    for run in items:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
        who = f"  approved by {run.approver}" if run.approver else ""
        commit = f"  at {run.commit[:12]}{'+dirty' * run.commit.endswith('+dirty')}"
        tail = f"{run.message}{who}{commit if run.commit else ''}"
        rows.append([run.id, str(run.kind), run.environment, when, str(run.outcome), tail])
    for text in table(rows):
        print(text)
    if not items:
        print("no runs yet")
    return EXIT_OK


def cmd_provider(args: argparse.Namespace) -> int:
    from zenml_tui.ops.mirror import write_provider_mirror

    path = write_provider_mirror(Path(args.dir))
    print(f"wrote {path}")
    print(f"use it with: terraform init -plugin-dir {Path(args.dir).resolve()}")
    return EXIT_OK


def cmd_infra(args: argparse.Namespace) -> int:
    """The infrastructure step: plan/apply modules/base_infra, or show what its state
    gives the layers (sensitive outputs are never read)."""
    from zenml_tui.ops import infra
    from zenml_tui.ops.context import RunContext

    session = _session(args)
    ctx = RunContext(_progress)
    if args.infra_command == "outputs":
        values = _run(ctx, infra.refresh(session, args.env, ctx))
        if args.json:
            data = {
                "source": values.source if values else None,
                "outputs": values.values() if values else {},
                "left_out": list(values.notes) if values else [],
            }
            print(json.dumps(data, indent=2))
            return EXIT_OK
        if values is None:
            print(f"{args.env}: no infrastructure state; infrastructure: comes from the layers")
            return EXIT_OK
        print(visible(f"{args.env}: from infrastructure state {values.source}"))
        for o in values.outputs:
            print(visible(f"  infrastructure.{o.name} = {json.dumps(o.value)}"))
        for note in values.notes:
            print(visible(f"  {note}"))
        return EXIT_OK
    if args.infra_command == "plan":
        outcome = _run(ctx, infra.plan(session, args.env, ctx))
        print(f"infrastructure plan of {args.env}: {outcome.message or 'done'}")
        if outcome.has_changes:
            print(f"apply it: zenml-tui infra apply --env {args.env}")
        return EXIT_OK
    typed = _typed_confirmation(args, session, "apply the infrastructure of")
    if typed == "":
        raise ZenMLTUIError("not confirmed: nothing was changed", kind=Kind.NOT_CONFIRMED)
    values = _run(ctx, infra.apply(session, args.env, ctx, confirm_env=typed))
    names = ", ".join(o.name for o in values.outputs) if values else "none"
    print(f"infrastructure of {args.env} applied; outputs fed to infrastructure: {names}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "infra": cmd_infra,
    "validate": cmd_validate,
    "render": cmd_render,
    "explain": cmd_explain,
    "server": cmd_server,
    "provider": cmd_provider,
    "plan": cmd_plan,
    "apply": cmd_apply,
    "destroy": cmd_destroy,
    "unlock": cmd_unlock,
    "migrate-state": cmd_migrate_state,
    "runs": cmd_runs,
    "connector": cmd_connector,
    "status": cmd_status,
    "adopt": cmd_adopt,
}


def report(exc: ZenMLTUIError, environment: str | None = None) -> None:
    """The one place the CLI prints an expected failure: the located diagnostics (on
    stdout, as `validate` prints them), then one line on stderr (naming the environment
    when one of several failed)."""
    if exc.diagnostics:
        _print_errors(exc.diagnostics)
    where = f"{environment}: " if environment else ""
    print(f"zenml-tui: {where}{visible(exc.one_line())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    detailed = "--detailed-exitcode" in argv
    args = build_parser(detailed).parse_args(argv)
    handler = COMMANDS.get(args.command or "", cmd_app)
    try:
        return handler(args)
    except ZenMLTUIError as exc:
        report(exc)
        if exc.kind is Kind.USAGE and not detailed:
            return EXIT_USAGE
        if exc.kind is Kind.CANCELLED:
            return EXIT_INTERRUPTED
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: never a traceback for the user; one for us on request
        if os.environ.get("ZENML_TUI_DEBUG"):
            raise
        print(
            f"zenml-tui: internal error: {type(exc).__name__}: {exc}\n"
            "  set ZENML_TUI_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
