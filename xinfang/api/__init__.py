"""REST API v1 for other systems: token per system account, OpenAPI document, one error format."""
