"""The retry schedule and the flat/nested payload mapping."""

from __future__ import annotations

import pytest

from trackhub.webhooks.context import ViewContext
from trackhub.webhooks.models import Method
from trackhub.webhooks.payload import nested, request_for, with_params
from trackhub.webhooks.schedule import delay_after, parse_schedule


def test_the_default_schedule_puts_the_tenth_attempt_within_about_two_hours() -> None:
    from trackhub.settings.webhooks import WebhookSettings

    steps = parse_schedule(WebhookSettings.from_env({"WEBHOOKS_TABLE_NAME": "t"}).WEBHOOK_RETRY_SCHEDULE)
    waited = sum(delay_after(n, steps) for n in range(1, 10))  # after failures 1..9
    assert 60 * 60 <= waited <= 2 * 60 * 60


def test_the_last_step_repeats_and_bad_steps_are_named() -> None:
    steps = parse_schedule("0, 5,30")
    assert [delay_after(n, steps) for n in range(1, 6)] == [0, 5, 30, 30, 30]
    with pytest.raises(ValueError, match="'x'"):
        parse_schedule("5,x")
    with pytest.raises(ValueError, match="43200"):
        parse_schedule("50000")


def test_hub_parameters_replace_same_named_author_parameters_and_keep_the_rest() -> None:
    url = with_params("https://h.example.com/p?a=1&time=0&a=2#frag", {"time": "9", "key": "k"})
    assert url == "https://h.example.com/p?a=1&a=2&time=9&key=k"


def test_post_keeps_the_url_query_and_get_flattens() -> None:
    context = ViewContext.model_validate({"post": {"id": 5, "type": "blog"}, "consents": {"email": True}})
    body = nested(context, 100, None)
    get_url, get_body = request_for(Method.GET, "https://h.example.com/x?z=1", body)
    post_url, post_body = request_for(Method.POST, "https://h.example.com/x?z=1", body)
    assert get_body is None and "post_id=5" in get_url and "consent_email=1" in get_url and "z=1" in get_url
    assert (
        post_url == "https://h.example.com/x?z=1" and post_body is not None and '"post":{"id":5' in post_body
    )


def test_template_parameter_and_settings_share_the_default_schedule() -> None:
    from pathlib import Path

    from trackhub.settings.webhooks import WebhookSettings
    from trackhub_local.template import load_yaml

    template = load_yaml(Path(__file__).resolve().parents[3] / "template.yaml")
    default = template["Parameters"]["WebhookRetrySchedule"]["Default"]
    assert default == WebhookSettings.from_env({"WEBHOOKS_TABLE_NAME": "t"}).WEBHOOK_RETRY_SCHEDULE
    assert template["Parameters"]["WebhookAllowNetworks"]["Default"] == ""
