"""Management commands of the demo district."""
