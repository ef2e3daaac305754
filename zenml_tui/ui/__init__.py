"""The Textual app: the only package that imports Textual.

Filled by the Textual app issue; until then `zenml-tui` without a command prints an
overview of the platform.
"""
