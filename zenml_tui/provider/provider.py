"""The provider: configuration, the REST client, and the resource and data source types."""

from __future__ import annotations

import os
import threading
from typing import Any

from tf import schema as s
from tf import types as t
from tf.iface import DataSource, Provider, Resource
from tf.utils import Diagnostics

from zenml_tui.provider import ADDRESS
from zenml_tui.provider.base import Config, ZenMLDataSource, ZenMLResource, api_error
from zenml_tui.provider.data_sources import (
    ServerData,
    ServiceConnectorData,
    StackComponentData,
    StackData,
)
from zenml_tui.provider.projects import Project
from zenml_tui.provider.resources import ServiceConnector, Stack, StackComponent
from zenml_tui.provider.secrets import Secret
from zenml_tui.server.rest import ZenMLClient, ZenMLError

MIN_SERVER = (0, 80, 0)


def _version(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _server_timeout() -> float:
    """Seconds one request may take (ZENML_TUI_SERVER_TIMEOUT, as zenml-tui's own)."""
    try:
        value = float(os.environ.get("ZENML_TUI_SERVER_TIMEOUT", "30"))
    except ValueError:
        return 30.0
    return value if value > 0 else 30.0


class ZenMLProvider(Provider):
    """`provider "zenml" { server_url, api_key, api_token, skip_version_check }`."""

    def __init__(self) -> None:
        self.client: ZenMLClient | None = None
        self.stopping = threading.Event()  # Terraform was interrupted: start nothing long

    def full_name(self) -> str:
        return ADDRESS

    def get_model_prefix(self) -> str:
        return "zenml_"

    def get_provider_schema(self, diags: Diagnostics) -> s.Schema:
        return s.Schema(
            attributes=[
                s.Attribute(
                    "server_url",
                    t.String(),
                    optional=True,
                    description="URL of the ZenML server (env ZENML_SERVER_URL).",
                ),
                s.Attribute(
                    "api_key",
                    t.String(),
                    optional=True,
                    sensitive=True,
                    description="API key of a service account (env ZENML_API_KEY).",
                ),
                s.Attribute(
                    "api_token",
                    t.String(),
                    optional=True,
                    sensitive=True,
                    description="API token, used when there is no API key (env ZENML_API_TOKEN).",
                ),
                s.Attribute(
                    "skip_version_check",
                    t.Bool(),
                    optional=True,
                    description="Skip the check that the server is at least 0.80.0.",
                ),
            ]
        )

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        url = config.get("server_url")
        if isinstance(url, str) and url and not url.startswith(("http://", "https://")):
            diags.add_error("Invalid server_url", f"'{url}' is not an http(s) URL", ["server_url"])

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        url = config.get("server_url") or os.environ.get("ZENML_SERVER_URL")
        key = config.get("api_key") or os.environ.get("ZENML_API_KEY")
        token = config.get("api_token") or os.environ.get("ZENML_API_TOKEN")
        if not url:
            diags.add_error(
                "Missing ZenML server URL",
                "Set server_url in the provider block or the ZENML_SERVER_URL variable.",
            )
            return
        if not key and not token:
            diags.add_error(
                "Missing ZenML credentials",
                "Set api_key (or ZENML_API_KEY), or api_token (or ZENML_API_TOKEN).",
            )
            return
        client = ZenMLClient(
            url, api_key=key, api_token=None if key else token, timeout=_server_timeout()
        )
        if not config.get("skip_version_check"):
            try:
                version = str(client.info().get("version", "0"))
            except ZenMLError as exc:
                diags.add_error("Cannot reach the ZenML server", exc.detail)
                return
            if _version(version) < MIN_SERVER:
                diags.add_error(
                    "ZenML server too old",
                    f"The server runs ZenML {version}; this provider needs 0.80.0 or newer "
                    "(or set skip_version_check).",
                )
                return
        try:
            client.token()  # fail here, by name, rather than at the first resource
        except ZenMLError as exc:
            api_error(diags, "log in", exc)
            return
        self.client = client

    def get_resources(self) -> list[type[Resource]]:
        return [ServiceConnector, StackComponent, Stack, Project, Secret]

    def get_data_sources(self) -> list[type[DataSource]]:
        return [ServerData, StackData, StackComponentData, ServiceConnectorData]

    def get_functions(self) -> list[Any]:
        return []

    def new_resource(self, klass: type[Resource]) -> Resource:
        if not issubclass(klass, ZenMLResource):
            raise TypeError(f"{klass.__name__} is not one of this provider's resources")
        return klass(self)

    def new_data_source(self, klass: type[DataSource]) -> DataSource:
        if not issubclass(klass, ZenMLDataSource):
            raise TypeError(f"{klass.__name__} is not one of this provider's data sources")
        return klass(self)
