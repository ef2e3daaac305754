"""What a Terraform run of an environment gets: its backend with the secrets that
backend reads, and the variables it never sees (shared by registration and
infrastructure runs)."""

from __future__ import annotations

import os

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.session import Session
from zenml_tui.platform.backends import SECRET_REF, BackendRun
from zenml_tui.platform.backends import resolve as resolve_backend


def backend_run(session: Session, environment: str, purpose: str = "registration") -> BackendRun:
    """The environment's backend for one run, its secrets read from their variables."""
    envdef = session.environment(environment)
    spec = envdef.backend if purpose == "registration" else envdef.infrastructure_backend
    return backend_of(session, environment, spec.type, dict(spec.config), purpose)


def backend_of(
    session: Session,
    environment: str,
    kind: str,
    config: dict[str, str],
    purpose: str = "registration",
) -> BackendRun:
    """A backend of that type and configuration (as platform.yaml writes it) for one run
    of the environment, its secrets read from their variables."""
    declared = session.platform.spec.secrets
    refs = {m[1] for v in config.values() if (m := SECRET_REF.match(v))}
    undeclared = sorted(refs - set(declared))
    if undeclared:
        raise ZenMLTUIError(
            f"the {kind} backend of '{environment}' needs secrets that platform.yaml no "
            f"longer declares: {', '.join(undeclared)}",
            kind=Kind.SECRETS_MISSING,
            hint="declare them under secrets: again",
        )
    values = secret_values(session, refs, f"the {kind} backend of '{environment}'")
    return resolve_backend(kind, config, session.platform.name, purpose, values)


def secret_values(session: Session, names: set[str], needed_by: str) -> dict[str, str | None]:
    """The values of the declared secrets `names`, from their variables; SECRETS_MISSING
    naming each one not set."""
    declared = session.platform.spec.secrets
    missing = sorted(
        f"{n} (${declared[n].env})" for n in names if declared[n].env not in os.environ
    )
    if missing:
        raise ZenMLTUIError(
            f"{needed_by} needs these secrets in the environment: {', '.join(missing)}",
            kind=Kind.SECRETS_MISSING,
            hint="export them and try again",
        )
    return {n: os.environ[declared[n].env] for n in sorted(names)}


def withheld_variables(session: Session) -> frozenset[str]:
    """Variables Terraform and the provider never see: every secret's variable and every
    remote server's API key variable (the secrets an environment uses reach Terraform in
    TF_VAR_secrets, its server's credentials as ZENML_SERVER_URL and ZENML_API_TOKEN)."""
    spec = session.platform.spec
    keys = {e.server.api_key_env for e in spec.environments.values() if e.server != "local"}
    return frozenset({s.env for s in spec.secrets.values()} | keys)
