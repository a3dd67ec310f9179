"""The base of every trackhub pydantic model: validators built on first use, not at import.

pydantic builds a model's validator and serializer when its class is created unless `defer_build` is
set; a handler module imports many models (its routes', its service's, the shared domain's) and uses
few per invocation. Deferred, each is built the first time it validates or serializes (or when the
OpenAPI document is built), so a cold start pays only for the models its request touches.
"""

from pydantic import BaseModel, ConfigDict


class HubModel(BaseModel):
    # Subclasses' own model_config is merged with this one, so they keep `defer_build`.
    model_config = ConfigDict(defer_build=True)
