"""A seeded local stack as the integration tests see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trackhub_local.stack import LocalStack


@dataclass(frozen=True)
class Hub:
    stack: LocalStack
    demo: dict[str, Any]

    @property
    def url(self) -> str:
        return self.stack.base_url

    def creds(self, who: str) -> tuple[str, str]:
        """(userId, apiKey) of a demo key: 'apiKey', 'publisher', 'subscriber' or 'outsider'."""
        entry = self.demo[who]
        return entry["userId"], entry["apiKey"]
