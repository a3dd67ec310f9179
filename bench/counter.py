"""Counts every AWS API call a process makes, exactly, with botocore's `before-call` event.

Clients copy their session's event handlers when they are created, so the counter is registered on
boto3's default session before any client exists (the handlers create theirs lazily, on first use).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.session


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.active = False
        self._session: botocore.session.Session | None = None

    def __call__(self, **kwargs: Any) -> None:
        if self.active:
            model = kwargs["model"]  # botocore's OperationModel of the call about to be made
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def attach(self, session: botocore.session.Session) -> CallCounter:
        session.register("before-call", self)
        self._session = session
        return self

    def detach(self) -> None:
        """Clients created from now on are not counted (existing ones keep their copy of the hook)."""
        if self._session is not None:
            self._session.unregister("before-call", self)
            self._session = None

    @classmethod
    def on_default_session(cls) -> CallCounter:
        """Install on boto3's default session; only clients created afterwards are counted."""
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        return cls().attach(boto3.DEFAULT_SESSION._session)

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        """The calls made inside the block (a fresh Counter, filled as they happen)."""
        self.calls = Counter()
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False
