"""Which ZenML server an environment uses and how it is reached: the platform's local
server (started when needed, on 127.0.0.1) or a remote URL with the API key from the
environment variable the platform names."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.session import Session
from zenml_tui.server.local import LocalServer, ServerStatus, server_root
from zenml_tui.server.rest import ZenMLClient, ZenMLError

__all__ = [
    "ServerStatus",
    "connect",
    "local_server",
    "server_down",
    "server_environment",
    "server_status",
    "server_up",
    "terraform_credentials",
    "uses_local_server",
]


def local_server(session: Session) -> LocalServer:
    """The platform's own server: its files live under the platform's state directory."""
    return LocalServer(server_root(session.platform.state_dir))


def uses_local_server(session: Session, environment: str) -> bool:
    return session.environment(environment).server == "local"


def connect(
    session: Session,
    environment: str,
    start: bool = True,
    on_starting: Callable[[], None] | None = None,
    timeout: float | None = None,
) -> ZenMLClient:
    """A logged-in client for the environment's server. The local server is started
    when it is not running (unless `start` is False); `on_starting` is called first."""
    env = session.environment(environment)
    timeout = timeout or session.server_timeout
    if env.server == "local":
        server = local_server(session)
        server.settled()  # the app may be starting it right now
        if start and server.running() is None:
            if on_starting is not None:
                on_starting()
            server.up()
        client = server.client(timeout=timeout)
    else:
        key = os.environ.get(env.server.api_key_env)
        if not key:
            raise ZenMLTUIError(
                f"environment '{environment}' needs its ZenML API key",
                kind=Kind.SERVER_AUTH,
                hint=f"export {env.server.api_key_env}",
            )
        client = ZenMLClient(env.server.url, api_key=key, timeout=timeout)
    try:
        client.token()
    except ZenMLError as exc:
        raise explained(session, environment, exc) from None
    return client


def explained(session: Session, environment: str, exc: ZenMLError) -> ZenMLTUIError:
    """A server's refusal of the credentials, with the way out for this environment's
    server; any other error as it is."""
    if exc.kind is not Kind.SERVER_AUTH:
        return exc
    env = session.environment(environment)
    if env.server == "local":
        hint = "issue a new API key for the platform's local server: zenml-tui server up"
        if session.platform.state_dir.joinpath("server", "token.json").exists():
            with contextlib.suppress(OSError):  # the token of a refused key is no good
                session.platform.state_dir.joinpath("server", "token.json").unlink()
    else:
        hint = f"check the API key in ${env.server.api_key_env}"
    return ZenMLTUIError(
        f"the ZenML server at {exc_url(exc)} refuses the credentials of '{environment}'",
        kind=Kind.SERVER_AUTH,
        hint=hint,
    )


def exc_url(exc: ZenMLError) -> str:
    return exc.url or "the environment's server"


def terraform_credentials(client: ZenMLClient) -> dict[str, str]:
    """What the provider reads: the URL and a token (logging in with the API key takes
    ~0.7 s on the server, so Terraform gets the token this process already holds)."""
    return {"ZENML_SERVER_URL": client.url, "ZENML_API_TOKEN": client.token()}


def server_up(session: Session) -> tuple[ServerStatus, bool]:
    """Start the local server unless it runs; (status, started now)."""
    return local_server(session).up()


def server_down(session: Session) -> bool:
    """Stop the local server; True when one was running."""
    return local_server(session).down()


def server_status(session: Session) -> ServerStatus:
    return local_server(session).status()


def server_environment(session: Session) -> dict[str, str]:
    """The variables Terraform's provider and ZenML's Python client read."""
    return local_server(session).environment()
