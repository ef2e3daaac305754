"""Every key of the app, by where it works: the one table f1 shows (the current tab's
keys first) and the README's key table is checked against (tests/checks), so the
help, the README and the bindings cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    title: str
    tab: str | None  # the TabPane id these keys belong to; None: everywhere
    rows: tuple[tuple[str, str], ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "Everywhere (also while typing in the editor or a search)",
        None,
        (
            ("f1", "this help: the keys of the tab you are in, then the rest"),
            ("f2", "switch environment"),
            ("f5", "plan the environment"),
            ("f6", "apply the reviewed plan (asks first)"),
            ("f7", "plan every environment: a matrix; enter on a cell opens its review"),
            ("f8", "cancel the running plan or apply (or its wait for a lock)"),
            ("f3", "show or hide the scope tree (hidden below 110 columns)"),
            ("ctrl+s", "save the edited layer"),
            ("ctrl+p", "command palette (discard draft, switch environment, ...)"),
            ("ctrl+q", "quit (asks during a run or with unsaved edits)"),
        ),
    ),
    Section(
        "Outside the editor and the search fields",
        None,
        (
            ("e p a", "as f2, f5, f6"),
            ("1 2 3 4", "the Config, Plan, Runs and Server tabs"),
            ("/", "search the changes of the review (from any tab: the Plan tab)"),
            ("tab / shift+tab", "next / previous panel"),
            ("? q", "as f1, ctrl+q"),
        ),
    ),
    Section(
        "Config tab",
        "config",
        (
            ("esc", "leave the editor (the preview gets the keys)"),
            ("enter", "on an error: move the editor's cursor to it"),
            ("up / down", "in the preview: the value's provenance chain below it"),
            ("ctrl+r", "discard the open layer's draft: back to the file on disk (asks)"),
        ),
    ),
    Section(
        "Plan tab",
        "plan-tab",
        (
            ("up / down, pgup / pgdn", "walk the changes; the attribute diff follows"),
            ("home / end", "first / last change"),
            ("g", "open the layer line behind the selected change in the editor"),
            ("esc", "in the search: back to the list"),
        ),
    ),
    Section(
        "Runs tab",
        "runs-tab",
        (("up / down", "a run's event log below the list"),),
    ),
    Section(
        "Server tab",
        "server-tab",
        (
            ("r", "restore the drifted row (a plan puts the layers' values back)"),
            ("a", "accept the server's values into the owning layer (unsaved)"),
            ("i", "adopt an object made by hand (layer edits and imports)"),
            ("v", "verify the selected connector (the server's answer)"),
        ),
    ),
    Section(
        "When another run holds the state's lock",
        None,
        (("w / esc", "wait for it (f8 stops waiting) / give up"),),
    ),
)


def for_tab(tab: str | None) -> list[Section]:
    """The sections in the order f1 shows them: the tab's own keys first."""
    own = [s for s in SECTIONS if s.tab is not None and s.tab == tab]
    return own + [s for s in SECTIONS if s not in own]


def markdown() -> str:
    """The README's key table (between its `keys` markers)."""
    out = ["| where | key | what it does |", "|---|---|---|"]
    for section in SECTIONS:
        for i, (key, what) in enumerate(section.rows):
            where = section.title if i == 0 else ""
            out.append(f"| {where} | `{key}` | {what} |")
    return "\n".join(out)
