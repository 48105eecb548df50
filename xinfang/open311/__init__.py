"""Open311 GeoReport v2: discovery, services, service definitions and requests, JSON and XML."""
