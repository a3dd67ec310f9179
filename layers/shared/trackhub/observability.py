"""Logger, Tracer and Metrics: created once per execution environment and imported everywhere.

Service name, namespace and log level come from POWERTOOLS_* variables set in the template's Globals.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

Handler = TypeVar("Handler", bound=Callable[..., Any])

# Only what we call is patched: boto3's AWS calls and http.client (webhook deliveries). patch_all would
# also import and patch every other library X-Ray knows that happens to be installed (sqlite3, ...).
PATCHED_MODULES = ("botocore", "httplib")


class LazyTracer:
    """Powertools' Tracer, built on a handler's first invocation instead of at import.

    Building a Tracer imports the X-Ray SDK and patches botocore and http.client (~20 ms of CPU);
    here the first invocation pays it instead of the init (the cost moves, it is not saved). X-Ray
    patches botocore's client class, not instances, so clients created before the first invocation
    are traced all the same, and nothing calls AWS at import, so no call escapes the patch
    (tests/unit/coldstart/test_lazy_tracer.py).
    """

    def __init__(self, patch_modules: tuple[str, ...]) -> None:
        self._patch_modules = patch_modules
        self._tracer: Tracer | None = None

    @property
    def tracer(self) -> Tracer:
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(patch_modules=self._patch_modules)
        return self._tracer

    @overload
    def capture_lambda_handler(self, lambda_handler: Handler) -> Handler: ...

    @overload
    def capture_lambda_handler(
        self, *, capture_response: bool | None = None, capture_error: bool | None = None
    ) -> Callable[[Handler], Handler]: ...

    def capture_lambda_handler(
        self,
        lambda_handler: Handler | None = None,
        *,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Handler | Callable[[Handler], Handler]:
        """Tracer.capture_lambda_handler, decorating now and tracing from the first call on."""
        if lambda_handler is None:
            return functools.partial(
                self.capture_lambda_handler, capture_response=capture_response, capture_error=capture_error
            )
        inner = lambda_handler
        traced: Callable[..., Any] | None = None

        @functools.wraps(inner)
        def handler(event: Any, context: Any, **kwargs: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.tracer.capture_lambda_handler(
                    inner, capture_response=capture_response, capture_error=capture_error
                )
            return traced(event, context, **kwargs)

        return handler  # type: ignore[return-value]


logger = Logger()
tracer = LazyTracer(PATCHED_MODULES)
metrics = Metrics()

# A request that fails before recording a business metric (a 401, a 404) still flushes; that is normal.
warnings.filterwarnings("ignore", message="No application metrics to publish")
