"""The OpenAPI document says what a route answers on the wire (found by `make fuzz`, docs/fuzzing.md)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response
from pydantic import BaseModel

from trackhub.api.dialects import Dialect
from trackhub.api.resolver import BASIC_AUTH, current_principal, make_resolver
from trackhub.auth.principal import Principal


class ThingOut(BaseModel):
    id: str


def _document(dialect: Dialect) -> dict[str, Any]:
    app = make_resolver(dialect)

    @app.get("/things/<thingId>", security=BASIC_AUTH)
    def get_thing(principal: Annotated[Principal, Depends(current_principal)], thingId: str) -> ThingOut:
        return ThingOut(id=thingId)

    @app.delete("/things/<thingId>", security=BASIC_AUTH, status_code=204)
    def delete_thing(
        principal: Annotated[Principal, Depends(current_principal)], thingId: str
    ) -> Response[None]:
        return Response(204)

    @app.post("/public", responses={201: {"description": "Created, no body"}, 404: {"description": "gone"}})
    def create() -> Response[None]:
        return Response(201)

    @app.get("/raw")
    def raw() -> Response[str]:
        return Response(200, "application/json", "{}")

    @app.route("/raw", method="OPTIONS")
    def preflight() -> Response[str]:
        return Response(200, "text/plain", "")

    document: dict[str, Any] = app.get_openapi_schema().model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    return document


def test_every_operation_documents_its_errors_in_the_dialect_shape_and_no_422() -> None:
    # Given a hub resolver with a secured route taking a path parameter
    # When its document is built
    document = _document(Dialect.HUB)

    # Then the route documents the guards' 400/413, the outage 503, auth 401/403 and 404/409 - never a 422
    responses = document["paths"]["/things/{thingId}"]["get"]["responses"]
    assert set(responses) == {"200", "400", "401", "403", "404", "409", "413", "503"}
    assert responses["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HubError"
    }
    assert document["components"]["schemas"]["HubError"]["required"] == ["message", "code"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_empty_bodies_are_documented_without_content() -> None:
    # Given routes answering 204 / 201 with no body, and a CORS preflight
    document = _document(Dialect.HUB)
    paths = document["paths"]

    # Then their success responses have no content (a JSON `null` schema would be a lie)
    assert not paths["/things/{thingId}"]["delete"]["responses"]["204"].get("content")
    assert not paths["/public"]["post"]["responses"]["201"].get("content")
    assert not paths["/raw"]["options"]["responses"]["200"].get("content")
    # And a declared error without content gets the error shape rather than the return type
    assert paths["/public"]["post"]["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HubError"
    }


def test_hand_rendered_json_is_not_documented_as_a_string() -> None:
    # Given a route returning Response[str] (the handler renders JSON itself)
    document = _document(Dialect.HUB)

    # Then its success body is any JSON, not {"type": "string"}
    assert document["paths"]["/raw"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {}


def test_each_dialect_documents_its_own_error_shape() -> None:
    # Given the Falkor and RAGE dialects
    falkor, rage = _document(Dialect.FALKOR), _document(Dialect.RAGE)

    # Then their errors refer to their own shapes
    assert falkor["components"]["schemas"]["FalkorError"]["required"] == ["status", "message"]
    assert rage["components"]["schemas"]["RageError"]["required"] == ["message"]
    public = rage["paths"]["/public"]["post"]["responses"]
    assert {"401", "403"} <= set(public)  # RAGE routes check their own authToken / JWT
