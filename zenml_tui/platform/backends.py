"""Where an environment's Terraform state lives: Terraform's own backends, configured
from `platform.yaml` (`backend:` and `infrastructure_backend:` under an environment).

The modules declare `backend "local"`; another type is chosen by an override file in
zenml-tui's working copy of them and configured with `-backend-config` (the modules are
never rewritten). Terraform keeps the `-backend-config` values in its working directory,
so a credential never goes there: a value written `${secret:NAME}` reaches Terraform in
the environment variable the backend reads it from (`SECRET_ENV`), and only keys that
have one may hold a secret.

Each state is named after the platform, apart for registration and infrastructure (the
ZenML guide's "separate state files"), with one workspace per environment where the
backend has workspaces (`http` has none: its address names one state)."""

from __future__ import annotations

import re
from dataclasses import dataclass

TYPES = ("local", "gcs", "s3", "pg", "azurerm", "http")

# backend type -> configuration key -> the environment variable Terraform reads it from
SECRET_ENV: dict[str, dict[str, str]] = {
    "local": {},
    "pg": {"conn_str": "PG_CONN_STR"},
    "gcs": {
        "credentials": "GOOGLE_BACKEND_CREDENTIALS",
        "access_token": "GOOGLE_OAUTH_ACCESS_TOKEN",
        "encryption_key": "GOOGLE_ENCRYPTION_KEY",
    },
    "s3": {
        "access_key": "AWS_ACCESS_KEY_ID",
        "secret_key": "AWS_SECRET_ACCESS_KEY",
        "token": "AWS_SESSION_TOKEN",
    },
    "azurerm": {
        "access_key": "ARM_ACCESS_KEY",
        "sas_token": "ARM_SAS_TOKEN",
        "client_secret": "ARM_CLIENT_SECRET",
    },
    "http": {"username": "TF_HTTP_USERNAME", "password": "TF_HTTP_PASSWORD"},
}

# what each type cannot do without
REQUIRED: dict[str, tuple[str, ...]] = {
    "local": (),
    "pg": ("conn_str",),
    "gcs": ("bucket",),
    "s3": ("bucket", "region"),
    "azurerm": ("storage_account_name", "container_name"),
    "http": ("address",),
}

SECRET_REF = re.compile(r"^\$\{secret:([A-Za-z_][A-Za-z0-9_]*)\}$")
PURPOSES = ("registration", "infrastructure")


def has_workspaces(kind: str) -> bool:
    return kind != "http"


def defaults(kind: str, platform: str, purpose: str) -> dict[str, str]:
    """The state's name when the configuration does not give one: per platform and
    purpose, each environment a workspace in it."""
    slug = re.sub(r"[^a-z0-9_]", "_", platform.lower())
    if kind == "gcs":
        return {"prefix": f"zenml-tui/{platform}/{purpose}"}
    if kind == "s3":
        return {"key": f"{purpose}.tfstate", "workspace_key_prefix": f"zenml-tui/{platform}"}
    if kind == "pg":
        return {"schema_name": f"zenml_tui_{slug}_{purpose}"}
    if kind == "azurerm":
        return {"key": f"zenml-tui/{platform}/{purpose}.tfstate"}
    return {}


def problems(
    kind: str, config: dict[str, str], declared_secrets: set[str]
) -> list[tuple[str, str]]:
    """(key, message) for each thing wrong with a backend's configuration."""
    out: list[tuple[str, str]] = []
    if kind == "local" and config:
        out.append(("", "the local backend takes no configuration: zenml-tui keeps its state"))
        return out
    for key, value in config.items():
        ref = SECRET_REF.match(value)
        if "${" in value and ref is None:
            out.append((key, f"'{key}' must be a whole ${{secret:NAME}} reference or plain text"))
        elif ref is not None:
            name = ref.group(1)
            if name not in declared_secrets:
                out.append((key, f"secret '{name}' is not declared under secrets:"))
            elif key not in SECRET_ENV[kind]:
                readable = ", ".join(SECRET_ENV[kind]) or "none"
                out.append(
                    (
                        key,
                        f"a {kind} backend reads '{key}' only from its configuration, which "
                        f"Terraform writes to disk: it cannot hold a secret (keys that can: "
                        f"{readable})",
                    )
                )
    for key in REQUIRED[kind]:
        if key not in config:
            out.append(("", f"a {kind} backend needs '{key}'"))
    return out


@dataclass(frozen=True)
class BackendRun:
    """A backend as one Terraform run uses it: the `-backend-config` arguments (never a
    secret), the environment variables that carry its secrets, and a key naming the
    state it points at (the working directory's data directory is per key)."""

    kind: str
    args: dict[str, str]
    env: dict[str, str]
    secret_names: tuple[str, ...]

    @property
    def key(self) -> str:
        import hashlib

        text = "\0".join([self.kind, *(f"{k}={v}" for k, v in sorted(self.args.items()))])
        text += "\0" + ",".join(self.secret_names)
        return f"{self.kind}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"

    @property
    def local(self) -> bool:
        return self.kind == "local"


LOCAL = BackendRun("local", {}, {}, ())


def resolve(
    kind: str,
    config: dict[str, str],
    platform: str,
    purpose: str,
    secret_value: dict[str, str | None],
) -> BackendRun:
    """The run's view of a backend; `secret_value` maps each secret's name to its value
    (None when its environment variable is not set: the caller says which are missing)."""
    if kind == "local":
        return LOCAL
    args = defaults(kind, platform, purpose)
    env: dict[str, str] = {}
    names = []
    for key, value in config.items():
        ref = SECRET_REF.match(value)
        if ref is None:
            args[key] = value
            continue
        names.append(ref.group(1))
        found = secret_value.get(ref.group(1))
        if found is not None:
            env[SECRET_ENV[kind][key]] = found
    return BackendRun(kind, args, env, tuple(sorted(names)))


def every_secret_variable() -> frozenset[str]:
    """The variables any backend reads a secret from: kept out of Terraform's
    environment unless this run's backend sets them."""
    return frozenset(v for table in SECRET_ENV.values() for v in table.values())


def describe(kind: str, config: dict[str, str], platform: str, purpose: str, workspace: str) -> str:
    """The state a backend configuration names, for people: `pg (conn_str=«secret:PG»,
    schema_name=zenml_tui_acme_ml_registration), workspace local`. No value a backend can
    read as a credential is shown, whether written as a secret or not."""
    if kind == "local":
        return f"local (.zenml-tui/state/{workspace}/terraform.tfstate)"
    shown = []
    for key, value in sorted({**defaults(kind, platform, purpose), **config}.items()):
        ref = SECRET_REF.match(value)
        if ref is not None:
            value = f"«secret:{ref.group(1)}»"
        elif key in SECRET_ENV[kind]:
            value = "«hidden»"
        shown.append(f"{key}={value}")
    where = f", workspace {workspace}" if has_workspaces(kind) else ""
    return f"{kind} ({', '.join(shown)}){where}"
