"""The layer's boto3 clients: which validate parameters client-side, and that a bad request still fails."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import ParamValidationDecorator

from trackhub.storage.clients import dynamodb_client, dynamodb_resource, reset_clients


@pytest.fixture(autouse=True)
def fresh_clients(hub_tables: dict[str, str]) -> None:
    reset_clients()


def test_the_low_level_client_leaves_validation_to_dynamodb(hub_tables: dict[str, str]) -> None:
    # Given the low-level client (items typed by the hub) and the resource (callers' plain values)
    # Then only the resource's requests go through botocore's validating serializer (the flag is read
    # when the client is created; its config object does not keep it)
    assert not isinstance(dynamodb_client()._serializer, ParamValidationDecorator)
    assert isinstance(dynamodb_resource().meta.client._serializer, ParamValidationDecorator)
    # And the low-level client keeps the shared retry and timeout settings
    config = dynamodb_client().meta.config
    assert (config.retries["mode"], config.retries["total_max_attempts"]) == ("standard", 5)
    assert (config.connect_timeout, config.read_timeout) == (2, 5)


def test_a_malformed_item_is_still_refused_without_client_validation(hub_tables: dict[str, str]) -> None:
    # Given the statements table and an item missing its sort key
    table = hub_tables["StatementsTable"]
    # When the low-level client sends it, the service refuses it (botocore would have raised first
    # only for a wrong type; a missing key is the service's to find)
    with pytest.raises(ClientError) as refused:
        dynamodb_client().put_item(TableName=table, Item={"PK": {"S": "x"}})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    # And the resource still refuses a wrong parameter type in the client
    with pytest.raises(ParamValidationError):
        dynamodb_resource().Table(table).put_item(Item="not a map")  # type: ignore[arg-type]
