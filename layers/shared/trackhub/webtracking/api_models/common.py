"""What the admin API's web-tracking bodies share: field rules and the strict request base."""

from __future__ import annotations

import urllib.parse
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, StringConstraints

from trackhub.base_model import HubModel
from trackhub.webtracking.models import MAX_EMAIL_CHARS

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
MAX_URL_CHARS = 2048
MAX_TTL_SECONDS = 365 * 24 * 3600


def _http_url(value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError("must be an absolute http(s) URL, e.g. https://lms.example.com/course/42")
    return value


def _email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or "@" in domain or any(c.isspace() for c in value):
        raise ValueError("must be an email address")
    return value


Url = Annotated[str, StringConstraints(max_length=MAX_URL_CHARS), AfterValidator(_http_url)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_EMAIL_CHARS), AfterValidator(_email)
]


class Request(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
