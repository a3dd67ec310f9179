"""The base of every settings class: the function's environment read into a frozen pydantic model."""

from pydantic import BaseModel, ConfigDict


class EnvModel(BaseModel):
    # Built on first use: a function validates the few settings it reads, never all of them at import.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)
