"""trackhub's domain package, shipped to every function as the shared Lambda layer.

Arrows point down only: handlers -> api (HTTP edge) -> dialect services -> repositories -> storage.
"""

import os

# pydantic looks for plugins in every installed distribution's entry points when it builds its first
# model: a scan of the whole sys.path on each cold start. We use none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
