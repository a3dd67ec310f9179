"""Pure rules of the LRS: statement comparison, canonical language choice, filter values."""

from __future__ import annotations

from typing import Any

import pytest

from trackhub.xapi.compare import same_statement
from trackhub.xapi.models import filter_values
from trackhub.xapi.service import accepted_languages, canonical

BASE: dict[str, Any] = {
    "id": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    "actor": {"mbox": "mailto:a@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
    "object": {"id": "http://example.com/a"},
    "timestamp": "2024-01-01T10:00:00Z",
}


@pytest.mark.parametrize(
    "sent",
    [
        {**BASE, "id": BASE["id"].upper()},
        {**BASE, "timestamp": "2024-01-01T11:00:00.000+01:00"},
        {**BASE, "object": {**BASE["object"], "objectType": "Activity"}},
        {**BASE, "actor": {**BASE["actor"], "objectType": "Agent"}},
        {**BASE, "authority": {"mbox": "mailto:other@example.com"}, "stored": "x", "version": "1.0.3"},
    ],
)
def test_differences_the_spec_causes_are_ignored(sent: dict[str, Any]) -> None:
    assert same_statement({**BASE, "stored": "2024-01-02T00:00:00Z"}, sent)


@pytest.mark.parametrize(
    "sent",
    [
        {**BASE, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}},
        {**BASE, "timestamp": "2024-01-01T10:00:00.001Z"},
        {**BASE, "result": {"success": True}},
    ],
)
def test_other_differences_make_another_statement(sent: dict[str, Any]) -> None:
    assert not same_statement(BASE, sent)


def test_a_missing_timestamp_matches_the_one_the_lrs_filled_in() -> None:
    without = {k: v for k, v in BASE.items() if k != "timestamp"}
    assert same_statement(BASE, without)


def test_accept_language_order_and_canonical_choice() -> None:
    assert accepted_languages("fr;q=0.5, en-GB, de;q=0") == ["en-gb", "fr"]
    display = {"en": "Other", "en-GB": "attended (GB)", "fr-FR": "assisté"}
    assert canonical({"display": display}, ["en-gb"]) == {"display": {"en-GB": "attended (GB)"}}
    assert canonical({"display": display}, ["fr"]) == {"display": {"fr-FR": "assisté"}}
    assert canonical({"display": display}, []) == {"display": {"en": "Other"}}
    # extensions are data, never language maps
    assert canonical({"extensions": {"http://x/name": {"a": "b", "c": "d"}}}, ["en"])["extensions"] == {
        "http://x/name": {"a": "b", "c": "d"}
    }


def test_filter_values_direct_and_related() -> None:
    statement = {
        **BASE,
        "authority": {"mbox": "mailto:lrs@example.com"},
        "context": {
            "registration": "AAAAAAAA-3B4D-4E5F-8A9B-0C1D2E3F4A5B",
            "instructor": {"mbox": "mailto:t@example.com"},
            "contextActivities": {"parent": [{"id": "http://example.com/course"}]},
        },
    }
    values = filter_values(statement)
    assert values["agent"] == {"mbox:mailto:a@example.com"}
    assert values["ragent"] == {
        "mbox:mailto:a@example.com",
        "mbox:mailto:lrs@example.com",
        "mbox:mailto:t@example.com",
    }
    assert values["act"] == {"http://example.com/a"}
    assert values["ract"] == {"http://example.com/a", "http://example.com/course"}
    assert values["reg"] == {"aaaaaaaa-3b4d-4e5f-8a9b-0c1d2e3f4a5b"}


def test_substatement_values_are_related_only() -> None:
    sub = {**BASE, "objectType": "SubStatement", "actor": {"mbox": "mailto:sub@example.com"}}
    sub.pop("id")
    values = filter_values({**BASE, "object": sub})
    assert (
        "mbox:mailto:sub@example.com" in values["ragent"]
        and "mbox:mailto:sub@example.com" not in values["agent"]
    )
    assert values["act"] == set() and values["ract"] == {"http://example.com/a"}
