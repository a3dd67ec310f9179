"""trackhub's domain package, shipped to every function as the shared Lambda layer.

Arrows point down only: handlers -> api (HTTP edge) -> dialect services -> repositories -> storage.
"""
