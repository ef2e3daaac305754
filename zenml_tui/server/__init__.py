"""ZenML server lifecycle, live state and drift. Never imports Textual.

Filled by the embedded-default issue (the local server the app manages).
"""
