"""The question a plan or apply asks when another run holds the environment's state
lock: who holds it, for what, since when and its ID, then wait for it (a countdown in
the Plan tab, f8 cancels) or give up. Giving up changes nothing: a plan that met the
lock can still be applied once the lock is free (Terraform then decides whether the
state moved since)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from zenml_tui.ops.locks import HeldLock
from zenml_tui.textsafe import line


class LockPrompt(ModalScreen[bool]):
    """True: wait `seconds` more for the lock; False: give up."""

    BINDINGS = [
        Binding("escape", "give_up", "give up"),
        Binding("w", "wait", "wait"),
    ]

    def __init__(self, environment: str, what: str, lock: HeldLock, seconds: float) -> None:
        super().__init__()
        self.environment, self.what, self.held, self.seconds = environment, what, lock, seconds

    def details(self) -> str:
        """The lock as shown, one fact a line (plain text: it is what Terraform said)."""
        lock = self.held
        age = lock.age
        rows = [
            ("held by", lock.who or "another run (the backend did not say who)"),
            ("for", lock.operation_name or "an operation"),
            ("since", f"{lock.created} ({age} ago)" if age else lock.created or "unknown"),
            ("lock ID", lock.id or "unknown"),
            ("where", lock.path or "the state"),
        ]
        return "\n".join(f"  {k:<9} {line(v)}" for k, v in rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(
                Text(f"The state of {self.environment} is locked by another run", style="bold")
            )
            yield Static(Text(self.details()), id="lock-details")
            kept = (
                "the plan stays applicable once the lock is free"
                if self.what == "apply"
                else "nothing was planned"
            )
            yield Static(
                Text(
                    f"The lock goes when that run ends. Wait up to {self.seconds:.0f} s more for "
                    f"it (f8 cancels the wait), or give up ({kept})."
                )
            )
            with Horizontal(id="buttons"):
                yield Button(f"Wait {self.seconds:.0f} s", variant="primary", id="wait")
                yield Button("Give up", id="give-up")

    @on(Button.Pressed, "#wait")
    def action_wait(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#give-up")
    def action_give_up(self) -> None:
        self.dismiss(False)
