"""Liveness of the hub's dependencies, for GET /health."""
