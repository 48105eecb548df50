"""Workflow: the states a matter moves through, the clocks, and the services that move it."""
