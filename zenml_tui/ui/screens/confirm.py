"""Modal questions: apply confirmation (typed name for protected environments), a plain
yes/no, the environment picker and the help screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static

from zenml_tui.ops.confirm import matches
from zenml_tui.platform.definition import Environment
from zenml_tui.textsafe import line

if TYPE_CHECKING:
    from zenml_tui.ops.blast import BlastRadius
    from zenml_tui.ui.keys import Section


class UsageChecked(Message):
    """The blast radius, from the dialog's worker."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class ConfirmApply(ModalScreen[str | None]):
    """Lists the counts by action and, when the plan deletes or replaces stacks,
    components or connectors, what uses them on the server (asked in a worker: the dialog
    says it is checking until the answer is in; the apply never waits for it); a
    protected environment needs its name typed. Gives the name as confirmed (the
    application layer checks it again), None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(
        self,
        environment: str,
        counts: dict[str, int],
        protected: bool,
        usage: Callable[[], BlastRadius | None] | None = None,
        review: list[str] | None = None,
    ) -> None:
        """`usage`: asks the server what uses the objects the plan takes away;
        `review`: the changes as the review showed them (masked, traced)."""
        super().__init__()
        self.environment, self.counts, self.protected = environment, counts, protected
        self.usage = usage
        self.review = review or []

    def compose(self) -> ComposeResult:
        wide = self.usage is not None or bool(self.review)
        with Vertical(id="dialog", classes="wide" if wide else ""):
            yield Label(Text(f"Apply the reviewed plan to {self.environment}?", style="bold"))
            lines = "\n".join(f"  {n} to {a}" for a, n in self.counts.items() if n and a != "no-op")
            yield Static(lines or "  no changes")
            if self.review:
                with VerticalScroll(id="review-box"):
                    yield Static(Text("\n".join(line(x) for x in self.review)), id="review")
            if self.usage is not None:
                from zenml_tui.ops.blast import CHECKING  # not before: its imports are many

                with VerticalScroll(id="blast-box"):
                    yield Static(Text(CHECKING, style="italic yellow"), id="blast")
            if self.protected:
                yield Label(
                    Text(
                        f"{self.environment} is protected: type its name to apply", style="bold red"
                    )
                )
                yield Input(placeholder=self.environment, id="typed")
            with Horizontal(id="buttons"):
                yield Button(
                    "Apply",
                    variant="error" if self.protected else "primary",
                    id="yes",
                    disabled=self.protected,
                )
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        if self.usage is not None:
            self._check(self.usage)

    @work(thread=True, exclusive=True, group="blast")
    def _check(self, usage: Callable[[], BlastRadius | None]) -> None:
        from zenml_tui.ops.blast import NOTHING

        try:
            radius = usage()
        except Exception as exc:  # a bug: said in the dialog, the apply stays possible
            lines = [f"could not check what uses them: internal error: {type(exc).__name__}"]
        else:
            lines = radius.lines() if radius is not None else [NOTHING]
        self.post_message(UsageChecked(lines))  # thread-safe; dropped once closed

    @on(UsageChecked)
    def _checked(self, message: UsageChecked) -> None:
        self.show_usage(message.lines)

    def show_usage(self, lines: list[str]) -> None:
        """What uses the objects (plain text: names come from the server)."""
        failed = bool(lines) and lines[0].startswith("could not check")
        text = Text("\n".join(line(x) for x in lines), style="yellow" if failed else "")
        self.query_one("#blast", Static).update(text)

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = not matches(self.environment, event.value)

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        if matches(self.environment, event.value):
            self.dismiss(event.value)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        if not self.protected:
            self.dismiss(self.environment)
            return
        typed = self.query_one("#typed", Input).value
        if matches(self.environment, typed):
            self.dismiss(typed)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(None)


class YesNo(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "no", "no"), Binding("y", "yes", "yes")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.question))
            with Horizontal(id="buttons"):
                yield Button("Yes", variant="error", id="yes")
                yield Button("No", id="no")

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class RunQuestion(YesNo):
    """A question about the running run: it goes away when the run ends."""


class EnvPicker(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, environments: dict[str, Environment], current: str) -> None:
        super().__init__()
        self.environments, self.current = environments, current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text("Switch environment", style="bold"))
            options = []
            for name, env in self.environments.items():
                label = Text(name, style="bold red" if env.protected else "")
                if env.protected:
                    label.append("  protected", style="red")
                if name == self.current:
                    label.append("  (current)", style="dim")
                options.append(label)
            yield OptionList(*options, id="envs")

    def on_mount(self) -> None:
        self.query_one("#envs", OptionList).highlighted = list(self.environments).index(
            self.current
        )

    @on(OptionList.OptionSelected, "#envs")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(list(self.environments)[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every key, the current tab's first (`keys.SECTIONS`, which the README's table
    is checked against); it scrolls at 80x24."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "close")]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        width = max(len(k) for s in self.sections for k, _ in s.rows)
        text = Text()
        for n, section in enumerate(self.sections):
            if n:
                text.append("\n")
            text.append(section.title + "\n", style="bold")
            for key, what in section.rows:
                text.append(f"  {key:<{width}}", style="bold cyan")
                text.append(f"  {what}\n")
        with Vertical(id="dialog", classes="wide"):
            yield Label(Text("Keys", style="bold"))
            with VerticalScroll(id="help-keys"):
                yield Static(text, id="help-text")
            yield Label(Text("ctrl+p opens the command palette; escape closes this", style="dim"))

    def on_mount(self) -> None:
        # the dialog's border, padding, title and last line take 8 rows; the keys scroll
        self.query_one("#help-keys").styles.max_height = max(4, self.app.size.height - 9)

    def action_close(self) -> None:
        self.dismiss(None)
