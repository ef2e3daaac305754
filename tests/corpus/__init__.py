"""The hostile-input corpus (tests/README.md): cases in `cases.py`, run by `runner.py`."""
