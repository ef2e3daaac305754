"""Allow `python -m zenml_tui`."""

from zenml_tui.cli import main

raise SystemExit(main())
