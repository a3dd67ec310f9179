"""Bodies of POST /content/render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from trackhub.base_model import HubModel
from trackhub.webhooks.api_models.common import Request
from trackhub.webhooks.codes import CodeError
from trackhub.webhooks.context import ViewContext

if TYPE_CHECKING:
    from trackhub.webhooks.render import Rendered

MAX_CONTENT_CHARS = 512 * 1024


class RenderRequest(Request):
    content: str = Field(max_length=MAX_CONTENT_CHARS, description="HTML or text holding {WEBHOOK} codes.")
    # a factory, not an instance: an instance built at import would build ViewContext's validator
    context: ViewContext = Field(default_factory=ViewContext)


class CodeErrorOut(HubModel):
    code: str
    position: int = Field(description="0-based character offset of the code's '{' in `content`.")
    line: int
    column: int
    reason: str

    @classmethod
    def of(cls, error: CodeError) -> CodeErrorOut:
        return cls(
            code=error.code,
            position=error.position,
            line=error.line,
            column=error.column,
            reason=error.reason,
        )


class RenderOut(HubModel):
    content: str
    queued: int
    suppressed: int
    errors: list[CodeErrorOut]
    deliveries: list[str] = Field(description="Ids of the queued deliveries.")

    @classmethod
    def of(cls, rendered: Rendered) -> RenderOut:
        return cls(
            content=rendered.content,
            queued=rendered.queued,
            suppressed=rendered.suppressed,
            errors=[CodeErrorOut.of(e) for e in rendered.errors],
            deliveries=list(rendered.delivery_ids),
        )
