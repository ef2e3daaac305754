"""Platform model, layering engine, validation and rendering. Never imports Textual."""
