"""The organisation tree: city, districts, streets and towns, villages, departments."""
