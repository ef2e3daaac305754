"""The README's key table is the one f1 shows (zenml_tui/ui/keys.py)."""

from __future__ import annotations

import re
from pathlib import Path

from zenml_tui.ui import keys

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_key_table_is_the_help() -> None:
    found = re.search(r"<!-- keys -->\n(.*?)\n<!-- /keys -->", README.read_text(), re.S)
    assert found, "README.md has no <!-- keys --> ... <!-- /keys --> table"
    assert found.group(1) == keys.markdown(), (
        "README's key table differs from zenml_tui/ui/keys.py; put this between the markers:\n"
        + keys.markdown()
    )
