"""Web tracking's wire shapes: Falkor's pull/push bodies and envelope, and the admin API's (mapped
explicitly).

One module per group of routes, and nothing re-exported here: a handler imports the models of its
own route only (each model class created at import is a measured part of a cold start,
docs/performance.md).
"""
