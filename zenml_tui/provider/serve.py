"""Serving the provider to Terraform: go-plugin's handshake, gRPC with TLS, and a
shutdown that never abandons a call in flight.

Terraform calls `StopProvider` when it is interrupted: it asks the provider to stop
starting long work, then waits for the calls in flight to return so that it can record
their results in the state. The `tf` package's runner stops its gRPC server at once on
`StopProvider`, killing those calls: a create the server had carried out was then never
recorded (an orphan, and a 409 at the next apply). Here `StopProvider` only sets
`stopping` (resources check it between steps, e.g. the connector's verification retries);
the server stops when go-plugin's `Shutdown` arrives or the process is told to
terminate, and then waits up to `GRACE_SECONDS` for the calls in flight.

The process dies with Terraform (PR_SET_PDEATHSIG) and ignores the terminal's SIGINT,
as go-plugin's own plugins do: Terraform decides when the provider stops.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import tempfile
import threading
from concurrent import futures
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from zenml_tui.procutil import die_with_parent, parent_gone
from zenml_tui.provider.base import Configured

GRACE_SECONDS = 30.0


def _cert_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "zenml-tui" / "provider-cert.json"


def _certificate() -> tuple[bytes, bytes, bytes]:
    """(private key PEM, certificate PEM, certificate DER) of a self-signed certificate
    for localhost, cached for a week (generating one costs ~50 ms)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    cache = _cert_cache()
    try:
        data = json.loads(cache.read_text())
        cert = x509.load_pem_x509_certificate(data["cert"].encode())
        if cert.not_valid_after_utc > datetime.now(UTC) + timedelta(hours=1):
            return (
                data["key"].encode(),
                data["cert"].encode(),
                cert.public_bytes(serialization.Encoding.DER),
            )
    except (OSError, ValueError, KeyError):
        pass
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(cache, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"key": key_pem.decode(), "cert": cert_pem.decode()}, fh)
    except OSError:
        pass  # no cache: a new certificate next time
    return key_pem, cert_pem, cert.public_bytes(serialization.Encoding.DER)


def serve(provider: Configured, servicer: Any) -> None:
    """Serve `servicer` (the provider's gRPC service) until Terraform shuts it down."""
    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    done = threading.Event()

    def terminate(signum: int, frame: object) -> None:
        # PR_SET_PDEATHSIG also fires when the parent *thread* that started us exits:
        # only a parent that is really gone (we were re-parented) ends the provider
        if parent_gone(parent):
            done.set()

    parent = die_with_parent(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Terraform decides when we stop
    signal.signal(signal.SIGTERM, terminate)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    rpc.add_ProviderServicer_to_server(servicer, server)

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request: Any, context: Any) -> Any:
            done.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request: Any, context: Any) -> Any:
            return iter([])

    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    key_pem, cert_pem, cert_der = _certificate()
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
    with tempfile.TemporaryDirectory(prefix="zenml-tui-provider-") as tmp:
        socket_path = f"{tmp}/plugin.sock"
        server.add_secure_port(f"unix://{socket_path}", credentials)
        server.start()
        handshake = ["1", "6", "unix", socket_path, "grpc"]
        handshake.append(base64.b64encode(cert_der).decode().rstrip("="))
        print("|".join(handshake), flush=True)
        done.wait()
        # wait for the calls in flight (their results belong in Terraform's state)
        server.stop(grace=GRACE_SECONDS).wait()
