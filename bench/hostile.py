"""Benchmark the app on the nastiest layers (tests/corpus/layers.py).

For each layer, as the `local` environment layer of the example platform, headless at
160x48 and offline:
  * open to first preview: app start until the merged preview is shown;
  * moves: the cursor moved down the preview tree over every value shown (at most 300
    keys), each from the key sent (as the terminal driver sends it) until the cursor
    has moved and the tree is repainted (target: every key under 100 ms);
  * typed: ten characters typed into the editor when it is editable, one every 50 ms,
    each until the text has it and the editor is repainted;
  * stall: the longest gap between ticks of a 5 ms timer in the app meanwhile (the
    longest anything on screen waited).

Run: .venv/bin/python bench/hostile.py [--keys 300]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def one(name: str, data: bytes, tmp: Path, keys: int) -> None:
    from textual.widgets import TextArea, Tree

    from zenml_tui.bundled import example_platform
    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.config_pane import ConfigPane

    root = tmp / f"p{abs(hash(name))}"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    (root / "layers" / "env" / "local.yaml").write_bytes(data)
    started = time.perf_counter()
    app = ZenMLApp(root, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        while not (app.ready and pane.last_good is not None):
            await pilot.pause(0.01)
        opened = time.perf_counter() - started
        await pilot.pause(0.5)
        ticks: list[float] = []
        app.set_interval(0.005, lambda: ticks.append(time.perf_counter()))
        tree = app.query_one("#preview", Tree)
        tree.focus()
        await pilot.pause(0.05)
        moves: list[float] = []
        for _ in range(min(keys, tree.last_line)):
            before = tree.cursor_line
            moves.append(await answered(app, tree, "down", lambda b=before: tree.cursor_line != b))
            node = tree.cursor_node
            if node is not None and node.allow_expand and not node.is_expanded:
                node.expand()
                await pilot.pause(0.02)
        move_gaps = _gaps(ticks)
        ticks.clear()
        editor = app.query_one("#editor", TextArea)
        typing: list[float] = []
        if not editor.read_only:
            editor.focus()
            editor.move_cursor((0, 0))
            await pilot.pause(0.05)
            for ch in "#abcdefghij":
                text = editor.text
                typing.append(await answered(app, editor, ch, lambda t=text: editor.text != t))
                await pilot.pause(0.05)  # typing speed
            await pilot.pause(0.3)
        type_gaps = _gaps(ticks)
        row = (
            f"{name:<38} {len(data):>11,} B  open {opened:5.2f} s  "
            f"{len(moves):>3} moves: median {statistics.median(moves) * 1000:3.0f} "
            f"max {max(moves) * 1000:4.0f} ms "
            f"(stall {max(move_gaps) * 1000:4.0f} ms)"
        )
        if typing:
            row += (
                f"  {len(typing)} typed: median {statistics.median(typing) * 1000:3.0f} "
                f"max {max(typing) * 1000:4.0f} ms "
                f"(stall {max(type_gaps) * 1000:4.0f} ms)"
            )
        else:
            row += "  read-only"
        print(row, flush=True)


def _gaps(ticks: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(ticks)] or [0.0]


async def answered(app, widget, key: str, done) -> float:
    """Seconds from the key sent (as the terminal driver sends it) until its effect is
    there and the widget has been repainted."""
    from textual import events

    t0 = time.perf_counter()
    app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
    while not done():
        await asyncio.sleep(0.0005)
    painted = asyncio.get_running_loop().create_future()
    widget.call_after_refresh(lambda: painted.set_result(time.perf_counter()))
    return (await painted) - t0


async def main_async(keys: int) -> None:
    from tests.corpus.layers import BASE, LAYERS

    only = sys.argv[sys.argv.index("--only") + 1 :] if "--only" in sys.argv else None
    with tempfile.TemporaryDirectory() as tmp:
        if only is None:
            await one("the plain example (for comparison)", BASE, Path(tmp), keys)
        for name, (data, _editable) in LAYERS.items():
            if only is not None and not any(o in name for o in only):
                continue
            await one(name, data, Path(tmp), keys)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=300)
    ap.add_argument("--only", nargs="*", help="the layers whose name holds one of these")
    args = ap.parse_args()
    asyncio.run(main_async(args.keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
