"""The REST API: a falcon app serving a subset of the Compute API v2.1."""
