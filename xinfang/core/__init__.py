"""Core: settings helpers, errors, audit history and the one permission question."""
