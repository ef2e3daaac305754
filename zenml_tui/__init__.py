"""zenml-tui: run ZenML ML infrastructure as code from the terminal."""

__version__ = "0.1.0"
