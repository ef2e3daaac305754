"""How an environment reaches its ZenML server: the platform's local server (started when
needed) or a remote URL with the API key from the environment variable the platform
names."""

from __future__ import annotations

import os

from zenml_tui.platform.definition import Platform
from zenml_tui.server.local import ServerError, server_for
from zenml_tui.server.rest import ZenMLClient, ZenMLError


def connect(platform: Platform, environment: str, start: bool = True) -> ZenMLClient:
    """A logged-in client for the environment's server (raises ServerError)."""
    env = platform.spec.environments[environment]
    if env.server == "local":
        server = server_for(platform)
        if start and server.running() is None:
            server.up()
        client = server.client()
    else:
        key = os.environ.get(env.server.api_key_env)
        if not key:
            raise ServerError(
                f"environment '{environment}' needs its ZenML API key in ${env.server.api_key_env}"
            )
        client = ZenMLClient(env.server.url, api_key=key)
    try:
        client.token()
    except ZenMLError as exc:
        raise ServerError(f"cannot log in to {client.url}: {exc.message}") from None
    return client


def terraform_credentials(client: ZenMLClient) -> dict[str, str]:
    """What the provider reads: the URL and a token (logging in with the API key takes
    ~0.7 s on the server, so Terraform gets the token this process already holds)."""
    return {"ZENML_SERVER_URL": client.url, "ZENML_API_TOKEN": client.token()}
