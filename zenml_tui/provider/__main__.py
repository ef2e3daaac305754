"""`python -m zenml_tui.provider`: what the mirror's launcher runs."""

from zenml_tui.provider.main import main

main()
