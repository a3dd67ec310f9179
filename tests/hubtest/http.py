"""A small HTTP client for integration tests (stdlib only): every call bounded by a timeout."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from hubtest.apigw import basic


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def call(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    data: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = 15.0,
) -> HttpReply:
    headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body)
        headers.setdefault("Content-Type", "application/json")
    if auth:
        headers["Authorization"] = basic(*auth)
    payload = data.encode() if isinstance(data, str) else data
    request = urllib.request.Request(url, data=payload, method=method, headers=headers)  # noqa: S310 - test URLs
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return HttpReply(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return HttpReply(error.code, dict(error.headers.items()), error.read())
