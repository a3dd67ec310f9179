"""Admin API request and response bodies (camelCase on the wire), mapped from the domain explicitly.

One module per resource, and nothing re-exported here: a handler imports the models of its own route
only (each model class created at import is a measured part of a cold start, docs/performance.md).
"""
