"""A crash report: what the app writes when it meets a bug. The traceback, without local
variables (a layer's text or a secret value may be among them), with every declared
secret's value masked, in a 0600 file under the platform's state directory."""

from __future__ import annotations

import os
import platform as host
import sys
import time
import traceback
from pathlib import Path

from zenml_tui import __version__
from zenml_tui.fsutil import write_atomic
from zenml_tui.ops.session import Session


def write_report(session: Session, error: BaseException) -> Path:
    text = "".join(traceback.format_exception(error))  # frames and the message, no locals
    for name, source in session.platform.spec.secrets.items():
        value = os.environ.get(source.env)
        if value and len(value) >= 4:
            text = text.replace(value, f"«secret:{name}»")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = session.platform.state_dir / "crashes" / f"{stamp}-{os.getpid()}.txt"
    head = (
        f"zenml-tui {__version__} crashed at {time.ctime()}\n"
        f"python {sys.version.split()[0]} on {host.platform()}\n"
        f"platform {session.platform.root}\n\n"
    )
    write_atomic(path, head + text, mode=0o600)
    return path
