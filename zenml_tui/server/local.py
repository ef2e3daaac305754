"""The local ZenML server that zenml-tui manages for a platform (the embedded default).

One server per platform, bound to 127.0.0.1 on a free port, with its SQLite database, log,
pid file and credentials under the platform's state directory. Real authentication
(OAUTH2_PASSWORD_BEARER with a generated admin password) and a service account whose API
key Terraform and the app use. The server outlives the command that started it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.fsutil import write_atomic
from zenml_tui.procutil import process_started
from zenml_tui.server.rest import ZenMLClient, ZenMLError

SERVICE_ACCOUNT = "zenml-tui"
ADMIN = "admin"
_SERVER_MODULE = "zenml.zen_server.zen_server_api:app"


class ServerError(ZenMLTUIError):
    """The local server could not be started, reached or stopped."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, kind=Kind.SERVER_DOWN, hint=hint)


@dataclass
class Credentials:
    admin_password: str
    jwt_secret: str
    port: int = 0
    api_key: str = ""
    service_account_id: str = ""


@dataclass
class ServerStatus:
    running: bool
    url: str = ""
    pid: int = 0
    version: str = ""
    auth_scheme: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    problem: str = ""
    key_refused: bool = False  # it runs, but refuses the platform's API key


def zenml_environment(config_dir: Path) -> dict[str, str]:
    """What every ZenML process we start needs: no analytics, no browser, its own config."""
    return {
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_AUTO_OPEN_DASHBOARD": "false",
        "ZENML_CONFIG_PATH": str(config_dir),
        "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
    }


def _free_port(preferred: int = 0) -> int:
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            port_taken: int = s.getsockname()[1]
            return port_taken
    raise ServerError("no free port on 127.0.0.1")  # pragma: no cover


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


# what the server process inherits of the caller's environment: nothing else (no
# secret of any environment reaches a long-lived server)
_INHERITED = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV")
_INHERITED_PREFIXES = ("LC_", "PYTHON")


def server_environment(config_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    inherited = {
        k: v for k, v in os.environ.items() if k in _INHERITED or k.startswith(_INHERITED_PREFIXES)
    }
    return {**inherited, **zenml_environment(config_dir), **extra}


class LocalServer:
    """A platform's local ZenML server, found through files under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.db = self.root / "zenml.db"
        self.pid_file = self.root / "server.pid"
        self.log_file = self.root / "server.log"
        self.credentials_file = self.root / "credentials.json"
        self.config_dir = self.root / "zenml-config"

    # -- files ----------------------------------------------------------------------------
    def _prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        ignore = self.root.parent / ".gitignore"
        if self.root.parent.name == ".zenml-tui" and not ignore.exists():
            write_atomic(ignore, "# zenml-tui state: never commit\n*\n")

    def load_credentials(self) -> Credentials | None:
        try:
            data = json.loads(self.credentials_file.read_text())
        except (OSError, ValueError):
            return None
        try:
            return Credentials(**data)
        except TypeError:
            return None

    def _save_credentials(self, creds: Credentials) -> None:
        write_atomic(self.credentials_file, json.dumps(creds.__dict__, indent=2) + "\n", mode=0o600)

    def _read_pid(self) -> tuple[int, int]:
        """(pid, port) the pid file names, (0, 0) when there is none or it is not ours:
        a pid file copied with its platform names the original's server."""
        try:
            data = json.loads(self.pid_file.read_text())
            pid, port = int(data["pid"]), int(data["port"])
            root, started = str(data.get("root", "")), int(data.get("started", 0))
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0
        if root and root != str(self.root.resolve()):
            return 0, 0
        if started and process_started(pid) != started:
            return 0, 0  # that process ended; the pid may be another's now
        return pid, port

    def _owns(self, pid: int) -> bool:
        """Is `pid` a ZenML server running on this root's files (its working directory
        is the root)? Nothing else is ever trusted or signalled."""
        if pid <= 0 or not _alive(pid):
            return False
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            return False
        return b"zen_server_api" in cmdline and cwd == str(self.root.resolve())

    @contextlib.contextmanager
    def _starting(self) -> Iterator[None]:
        """One start at a time per root: a second `up` waits, then finds it running."""
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.root / "start.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def settled(self) -> None:
        """Wait for a start in progress (another thread's or process's `up`) to end: a
        server being started has a pid file before it answers or has an API key."""
        if self.pid_file.exists():
            with self._starting():
                pass

    # -- state --------------------------------------------------------------------------
    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}"

    def running(self) -> tuple[int, int] | None:
        """(pid, port) of our live server, or None (a stale pid file is removed)."""
        pid, port = self._read_pid()
        if pid and self._owns(pid):
            return pid, port
        if self.pid_file.exists():
            self.pid_file.unlink(missing_ok=True)
        return None

    def client(self, timeout: float = 30.0) -> ZenMLClient:
        """A client with the service account's key and, when one is cached, its token
        (logging in costs the server ~0.7 s, so the token is kept next to the key, in a
        0600 file, for an hour)."""
        live = self.running()
        creds = self.load_credentials()
        if live is None or creds is None or not creds.api_key:
            raise ServerError(
                "the local ZenML server is not running", "start it: zenml-tui server up"
            )
        client = ZenMLClient(self.url(live[1]), api_key=creds.api_key, timeout=timeout)
        token_file = self.root / "token.json"
        try:
            cached = json.loads(token_file.read_text())
            if cached["expires"] > time.time() + 60 and cached["url"] == client.url:
                client.adopt_token(cached["token"], cached["expires"])
                return client
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:
            token = client.token()
        except ZenMLError:
            return client
        expires = time.time() + 3600
        record = json.dumps({"token": token, "expires": expires, "url": client.url})
        write_atomic(token_file, record, mode=0o600)
        return client

    def status(self, counts: bool = True) -> ServerStatus:
        live = self.running()
        if live is None:
            return ServerStatus(False, problem="not running")
        pid, port = live
        st = ServerStatus(True, self.url(port), pid)
        creds = self.load_credentials()
        client = ZenMLClient(st.url, api_key=creds.api_key if creds else None, timeout=10)
        try:
            info = client.info()
        except ZenMLError as exc:
            st.running, st.problem = False, exc.detail
            return st
        st.version = str(info.get("version", ""))
        st.auth_scheme = str(info.get("auth_scheme", ""))
        if counts:
            try:
                st.counts = {
                    "stacks": client.count("/stacks"),
                    "components": client.count("/components"),
                    "service_connectors": client.count("/service_connectors"),
                    "projects": client.count("/projects"),
                    "secrets": client.count("/secrets"),
                }
            except ZenMLError as exc:
                st.problem = exc.detail
                st.key_refused = exc.refused_credentials
        return st

    # -- lifecycle ----------------------------------------------------------------------
    def up(self, timeout: float = 120.0) -> tuple[ServerStatus, bool]:
        """Start the server unless it runs; return (status, started_now). A running
        server that refuses the platform's API key gets a new one."""
        self._prepare()
        with self._starting():
            return self._up(timeout)

    def _up(self, timeout: float) -> tuple[ServerStatus, bool]:
        creds = self.load_credentials()
        live = self.running()
        if live is not None:
            url = self.url(live[1])
            self._wait_healthy(live[0], url, timeout)
            if creds is None or not creds.api_key or not self._key_works(url, creds.api_key):
                self._create_api_key(url, creds)
            return self.status(), False
        if creds is None:
            creds = Credentials(secrets.token_urlsafe(24), secrets.token_hex(32))
            self._save_credentials(creds)
        port = _free_port(creds.port)
        env = server_environment(
            self.config_dir,
            {
                "ZENML_STORE_URL": f"sqlite:///{self.db}",
                "ZENML_SERVER_AUTH_SCHEME": "OAUTH2_PASSWORD_BEARER",
                "ZENML_SERVER_AUTO_ACTIVATE": "1",
                "ZENML_DEFAULT_USER_NAME": ADMIN,
                "ZENML_DEFAULT_USER_PASSWORD": creds.admin_password,
                "ZENML_SERVER_JWT_SECRET_KEY": creds.jwt_secret,
                "ZENML_LOGGING_COLORS_DISABLED": "true",
            },
        )
        self.config_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            log.write(
                f"\n--- zenml-tui: starting ZenML on 127.0.0.1:{port} at {time.ctime()}\n".encode()
            )
            log.flush()
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    _SERVER_MODULE,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.root,
                start_new_session=True,
                close_fds=True,
            )
        record = {
            "pid": proc.pid,
            "port": port,
            "root": str(self.root.resolve()),
            "started": process_started(proc.pid),
        }
        write_atomic(self.pid_file, json.dumps(record) + "\n", mode=0o600)
        url = self.url(port)
        try:
            self._wait_healthy(proc.pid, url, timeout)
        except ServerError:
            self.down()
            raise
        if creds.port != port:
            creds.port = port
            self._save_credentials(creds)
        if not creds.api_key:
            self._create_api_key(url, creds)
        return self.status(), True

    def _key_works(self, url: str, api_key: str) -> bool:
        try:
            ZenMLClient(url, api_key=api_key, timeout=10).token()
        except ZenMLError as exc:
            if exc.refused_credentials:
                return False
            raise ServerError(
                f"the ZenML server at {url} does not answer properly: {exc.detail}",
                "restart it: zenml-tui server down && zenml-tui server up",
            ) from None
        return True

    def _wait_healthy(self, pid: int, url: str, timeout: float) -> None:
        client = ZenMLClient(url, timeout=2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if client.health():
                return
            if not _alive(pid):
                tail = self._log_tail()
                raise ServerError(
                    f"the ZenML server exited during start-up:\n{tail}",
                    f"read {self.log_file}",
                )
            time.sleep(0.1)
        raise ServerError(
            f"the ZenML server did not answer /health within {timeout:.0f} s",
            f"read {self.log_file}",
        )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _create_api_key(self, url: str, creds: Credentials | None) -> None:
        """Log in as admin; make the service account and an API key for it."""
        if creds is None:
            raise ServerError(
                f"{self.credentials_file} is missing", f"remove {self.db} to start afresh"
            )
        admin = ZenMLClient(url)
        try:
            admin.login_with_password(ADMIN, creds.admin_password)
            try:
                account = admin.post(
                    "/service_accounts",
                    {
                        "name": SERVICE_ACCOUNT,
                        "description": "Terraform and the zenml-tui app",
                        "active": True,
                    },
                )
            except ZenMLError as exc:
                if exc.status != 409:
                    raise
                account = admin.get(f"/service_accounts/{SERVICE_ACCOUNT}")
            key = admin.post(
                f"/service_accounts/{account['id']}/api_keys",
                {
                    "name": f"zenml-tui-{secrets.token_hex(3)}",
                    "description": "created by zenml-tui server up",
                },
            )
        except ZenMLError as exc:
            raise ServerError(
                f"could not create the service account's API key: {exc.detail}"
            ) from None
        creds.api_key = key["body"]["key"]
        creds.service_account_id = account["id"]
        self._save_credentials(creds)
        (self.root / "token.json").unlink(missing_ok=True)  # the old key's token

    def down(self, timeout: float = 30.0) -> bool:
        """Stop the server; True when one was running. Only a process that is this
        root's server is signalled."""
        pid, _ = self._read_pid()
        if not pid or not self._owns(pid):
            self.pid_file.unlink(missing_ok=True)
            return False
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.05)
            if not _alive(pid):
                break
        self.pid_file.unlink(missing_ok=True)
        if _alive(pid):
            raise ServerError(
                f"the ZenML server (pid {pid}) did not stop", f"stop it by hand: kill -9 {pid}"
            )
        return True

    def environment(self) -> dict[str, str]:
        """Variables for Terraform's provider and for the Python client."""
        live = self.running()
        creds = self.load_credentials()
        if live is None or creds is None or not creds.api_key:
            raise ServerError(
                "the local ZenML server is not running", "start it: zenml-tui server up"
            )
        url = self.url(live[1])
        return {
            "ZENML_SERVER_URL": url,
            "ZENML_API_KEY": creds.api_key,
            "ZENML_STORE_URL": url,
            "ZENML_STORE_API_KEY": creds.api_key,
        }


def server_root(state_dir: Path) -> Path:
    """Where a platform's local server keeps its files, under the platform's state."""
    return Path(state_dir) / "server"
