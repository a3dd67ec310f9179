"""The viewer's context a render sends along: course, page, module, blog post, user, session, ip and
consents, as Ekademia's codes carry them (only content render parses it)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from trackhub.base_model import HubModel

Text = Annotated[str, StringConstraints(max_length=1000)]
Ident = Annotated[str, StringConstraints(max_length=200)] | int


class _Ctx(HubModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Course(_Ctx):
    id: Ident | None = None
    shortname: Text | None = None
    fullname: Text | None = None
    category: Text | None = None
    url: Text | None = None


class Page(_Ctx):
    id: Ident | None = None
    name: Text | None = None
    url: Text | None = None


class Module(_Ctx):
    id: Ident | None = None
    name: Text | None = None
    number: Ident | None = None
    instance: Ident | None = None
    url: Text | None = None


class Post(_Ctx):
    id: Ident | None = None
    name: Text | None = None
    type: Text | None = None
    url: Text | None = None


class User(_Ctx):
    id: Ident | None = None
    email: Text | None = None
    username: Text | None = None


class Consents(_Ctx):
    processing: bool = False
    marketing: bool = False
    email: bool = False


class ViewContext(_Ctx):
    """Who views what: everything a {WEBHOOK} call may carry (user data only with consent)."""

    wwwroot: Text | None = None
    course: Course | None = None
    page: Page | None = None
    module: Module | None = None
    post: Post | None = None
    user: User | None = None
    session: Text | None = None
    ip: Annotated[str, StringConstraints(max_length=64)] | None = None
    consents: Consents = Field(default_factory=Consents)
