"""The demo district: a deterministic, believable district for the demo and the tests."""
