"""trackhub's domain package, shipped to every function as the shared Lambda layer.

Arrows point down only: handlers -> api (HTTP edge) -> dialect services -> repositories -> storage.
"""

import gc
import os

# pydantic looks for plugins in every installed distribution's entry points when it builds its first
# model: a scan of the whole sys.path on each cold start. We use none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# The libraries every function loads at init. What they create lives as long as the execution
# environment, so it is frozen out of the garbage collector: the count toward CPython's first full
# collection restarts here (that pass once fell inside nearly every cold start, walking ~50,000 objects,
# ~14 ms), and when a warm environment reaches it, it leaves these objects out (docs/performance.md,
# "Cold start, fourth round"; tests/unit/coldstart/test_init_gc.py). Not pydantic: the functions that
# validate no body never import it (settings/base.py), and Powertools' batch utility, which queue
# consumers import after this, loads its parser's pydantic models when pydantic is already imported.
import boto3  # noqa: F401
from aws_lambda_powertools import Logger, Metrics  # noqa: F401

from trackhub import lazy_packages

# Before any handler imports Powertools' event handler: its package loads per name (lazy_packages.py).
# A handler's first import is therefore `import trackhub` (functions/*/app.py).
lazy_packages.install()

gc.freeze()
