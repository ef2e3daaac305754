"""The shape of a platform's layered configuration, as pydantic models.

One schema serves both checks of docs/layering.md, "Validation": each layer on its own is
checked against it structurally (every field optional, unknown keys forbidden, "did you
mean"), and the merged, interpolated tree of a scope is validated as complete. Open maps (labels,
configuration) are `dict[str, ...]`; everything else is closed (`extra="forbid"`).
The top-level fields mirror the variables of the bundled root module (`modules/platform`).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from zenml_tui.zenml_vocab import ComponentType, ConnectorType

# The auth methods ZenML 0.98 offers per connector type. GCP workload identity federation
# is `external-account`; there is no `workload-identity` method (the seed guide's snippet).
AUTH_METHODS: dict[str, tuple[str, ...]] = {
    "gcp": (
        "implicit",
        "user-account",
        "service-account",
        "external-account",
        "oauth2-token",
        "impersonation",
    ),
    "aws": ("implicit", "secret-key", "sts-token", "iam-role", "session-token", "federation-token"),
    "azure": ("implicit", "service-principal", "access-token"),
    "kubernetes": ("password", "token"),
    "docker": ("password",),
}

# Configuration keys that hold credentials: their value must be a ${secret:NAME} reference.
CREDENTIAL_KEYS = frozenset(
    {
        "service_account_json",
        "external_account_json",
        "user_account_json",
        "token",
        "password",
        "aws_secret_access_key",
        "aws_session_token",
        "client_secret",
        "tracking_token",
        "tracking_password",
        "api_key",
        "api_token",
    }
)


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class Infrastructure(Closed):
    """Outputs of the separately managed cloud infrastructure (its own Terraform state),
    given to the registration modules as plain inputs."""

    project_id: str | None = None
    bucket: str | None = None
    artifact_root: str | None = None
    registry_uri: str | None = None
    service_account: str | None = None


class Connector(Closed):
    """A ZenML service connector (`zenml_service_connector`)."""

    type: ConnectorType
    auth_method: str
    resource_type: str | None = None
    resource_id: str | None = None
    verify: bool = True
    configuration: dict[str, Any] = {}
    labels: dict[str, str] = {}

    @field_validator("auth_method")
    @classmethod
    def _auth_method_known(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        allowed = AUTH_METHODS.get(kind or "")
        if allowed and value not in allowed:
            shown = f"'{value}'" if len(value) <= 40 else "this value"
            raise ValueError(
                f"auth_method {shown} is not a {kind} auth method (one of {', '.join(allowed)})"
            )
        return value


class Component(Closed):
    """A ZenML stack component (`zenml_stack_component`) of one type.

    `by_flavor` holds configuration that applies only when the final flavor matches its
    key, so a team or project layer can tune e.g. the vertex orchestrator without
    breaking an environment that uses the local one. `use_connector: false` keeps the
    environment's connector off a flavor that takes none (mlflow, for one).
    """

    flavor: str
    configuration: dict[str, Any] = {}
    by_flavor: dict[str, dict[str, Any]] = {}
    connector_resource_id: str | None = None
    use_connector: bool = True
    labels: dict[str, str] = {}


class PlatformConfig(Closed):
    """The merged configuration of one scope."""

    location: str
    labels: dict[str, str] = {}
    infrastructure: Infrastructure = Infrastructure()
    connector: Connector | None = None
    components: dict[ComponentType, Component] = {}


# -- a structural view of the models, for checking one layer on its own ------------------


@dataclass
class Spec:
    """kind: object | map | enum | scalar | any."""

    kind: str
    fields: dict[str, Spec] = field(default_factory=dict)
    keys: tuple[str, ...] = ()  # allowed map keys (empty: any)
    value: Spec | None = None
    values: tuple[Any, ...] = ()  # enum values
    types: tuple[type, ...] = ()  # scalar types
    nullable: bool = False
    doc: str = ""


def spec_of(annotation: Any) -> Spec:
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        hints = typing.get_type_hints(annotation)
        return Spec(
            "object",
            fields={name: spec_of(hints[name]) for name in annotation.model_fields},
            doc=(annotation.__doc__ or "").strip().splitlines()[0] if annotation.__doc__ else "",
        )
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        inner = spec_of(args[0]) if len(args) == 1 else Spec("any")
        inner.nullable = len(args) != len(get_args(annotation))
        return inner
    if origin is dict:
        kt, vt = get_args(annotation)
        keys = tuple(get_args(kt)) if get_origin(kt) is Literal else ()
        return Spec("map", keys=keys, value=spec_of(vt))
    if origin is Literal:
        return Spec("enum", values=tuple(get_args(annotation)))
    if annotation is Any:
        return Spec("any")
    if annotation is bool:
        return Spec("scalar", types=(bool,))
    if annotation is int:
        return Spec("scalar", types=(int,))
    if annotation is float:
        return Spec("scalar", types=(int, float))
    if annotation is str:
        return Spec("scalar", types=(str,))
    return Spec("any")  # pragma: no cover


ROOT_SPEC = spec_of(PlatformConfig)
