"""The ZenML server side: the local server the app manages, the REST client, flavor
schemas, live state and drift. Never imports Textual."""
