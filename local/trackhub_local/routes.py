"""API Gateway's resource matching: which `Type: Api` event a method and path reach.

REST APIs route on a tree of resources. Among the resources that match a path, the most specific
wins segment by segment - a literal segment over a {param}, a {param} over a greedy {proxy+} - and only
then is the method looked up on that resource (ANY as the fallback). A path whose resource has no such
method is not routed to another resource: API Gateway answers it like an unknown path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from trackhub_local.template import Template

_LITERAL, _PARAMETER, _GREEDY = 2, 1, 0
ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


@dataclass(frozen=True)
class Route:
    resource: str  # the path template, e.g. /admin/accounts/{accountId}
    method: str  # upper case or ANY
    function: str  # logical id
    api: str  # logical id of the API the event belongs to
    iam_auth: bool = False


@dataclass(frozen=True)
class RouteMatch:
    resource: str
    path_parameters: dict[str, str]
    route: Route | None  # None: the resource exists but has no such method


def split_path(path: str) -> list[str]:
    """Decoded path segments. A trailing slash is ignored ("/health/" is "/health")."""
    stripped = path.strip("/")
    return [unquote(segment) for segment in stripped.split("/")] if stripped else []


def _template_segments(resource: str) -> list[str]:
    stripped = resource.strip("/")
    return stripped.split("/") if stripped else []


def _kind(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY
    if segment.startswith("{") and segment.endswith("}"):
        return _PARAMETER
    return _LITERAL


def match_resource(resource: str, segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(specificity, path parameters) when `resource` matches the decoded `segments`, else None."""
    pattern = _template_segments(resource)
    specificity: list[int] = []
    parameters: dict[str, str] = {}
    for index, part in enumerate(pattern):
        kind = _kind(part)
        if kind == _GREEDY:
            rest = segments[index:]
            if index != len(pattern) - 1 or not rest:  # {proxy+} is last and takes at least one segment
                return None
            parameters[part[1:-2]] = "/".join(rest)
            specificity.append(kind)
            return tuple(specificity), parameters
        if index >= len(segments):
            return None
        if kind == _LITERAL and part != segments[index]:
            return None
        if kind == _PARAMETER:
            if not segments[index]:
                return None
            parameters[part[1:-1]] = segments[index]
        specificity.append(kind)
    if len(segments) != len(pattern):
        return None
    return tuple(specificity), parameters


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_resource: dict[str, dict[str, Route]] = {}
        for route in routes:
            # The first definition of a resource + method wins, as a deployment would refuse a duplicate.
            self._by_resource.setdefault(route.resource, {}).setdefault(route.method, route)

    @classmethod
    def from_template(cls, template: Template) -> RouteTable:
        routes = [
            Route(event.path, event.method, spec.logical_id, event.api, event.iam_auth)
            for spec in template.functions.values()
            for event in spec.api_events
        ]
        return cls(routes)

    @property
    def resources(self) -> Mapping[str, Mapping[str, Route]]:
        return self._by_resource

    def find_resource(self, path: str) -> tuple[str, dict[str, str]] | None:
        segments = split_path(path)
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for resource in self._by_resource:
            found = match_resource(resource, segments)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], resource, found[1])
        return None if best is None else (best[1], best[2])

    def match(self, method: str, path: str) -> RouteMatch | None:
        """None when no resource matches; a RouteMatch with route=None when the method is missing."""
        found = self.find_resource(path)
        if found is None:
            return None
        resource, parameters = found
        methods = self._by_resource[resource]
        route = methods.get(method.upper()) or methods.get("ANY")
        return RouteMatch(resource, parameters, route)

    def methods(self, resource: str) -> list[str]:
        declared = self._by_resource.get(resource, {})
        if "ANY" in declared:
            return list(ALL_METHODS)
        return sorted({*declared, "OPTIONS"})
