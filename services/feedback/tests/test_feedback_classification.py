"""Feedback items carry structure: sentiment on arrival, a suggested kind, scores, tags, a customer."""

from typing import Any

import pytest

from ideaflow_feedback.feedback.analysis import sentiment_of, suggest_kind
from ideaflow_feedback.feedback.models import FeedbackKind, SentimentLabel
from ideaflow_shared.testing import Caller


async def post(caller: Caller, **fields: object) -> dict[str, Any]:
    response = await caller.post("/v1/feedback", json={"channel": "email", **fields})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The export crashes every time I pick a date range.", FeedbackKind.BUG),
        ("Saving an invoice gives me an error 500.", FeedbackKind.BUG),
        ("Please add a dark mode to the dashboard.", FeedbackKind.REQUEST),
        ("It would be nice to schedule reports weekly.", FeedbackKind.REQUEST),
        ("How do I invite a colleague", FeedbackKind.QUESTION),
        ("Is the API rate limited?", FeedbackKind.QUESTION),
        ("Your support team was rude and useless, terrible experience.", FeedbackKind.COMPLAINT),
        ("Absolutely love the new planner, great work and thank you!", FeedbackKind.PRAISE),
        ("We renewed our contract in March.", FeedbackKind.OTHER),
    ],
)
def test_kind_is_suggested_by_the_rule_set(text: str, kind: FeedbackKind) -> None:
    assert suggest_kind(text, sentiment_of(text)) == kind


def test_sentiment_is_vaders_compound_score_with_its_label() -> None:
    assert sentiment_of("I love it, brilliant!").label == SentimentLabel.POSITIVE
    assert sentiment_of("This is awful and slow.").label == SentimentLabel.NEGATIVE
    assert sentiment_of("The invoice has three lines.").label == SentimentLabel.NEUTRAL
    assert -1 <= sentiment_of("This is awful and slow.").score < -0.05


async def test_sentiment_and_kind_are_computed_on_arrival(caller: Caller) -> None:
    item = await post(caller, text="The app crashes when I upload a photo, awful.")

    assert item["kind"] == "bug"
    assert item["kind_suggested"] is True
    assert item["sentiment_label"] == "negative"
    assert item["sentiment_score"] < 0
    assert item["status"] == "new"


async def test_the_senders_kind_wins_over_the_suggestion(caller: Caller) -> None:
    item = await post(caller, text="The app crashes when I upload a photo.", kind="complaint")

    assert item["kind"] == "complaint"
    assert item["kind_suggested"] is False


async def test_scores_tags_and_product_area_are_stored(caller: Caller) -> None:
    item = await post(
        caller, text="Fine overall.", rating=4, tags=["Billing", "billing", "UX"], product_area="Checkout"
    )
    nps = await post(caller, text="Would recommend.", nps=9.0)

    assert (item["rating"], item["nps"], item["tags"], item["product_area"]) == (4, None, ["billing", "ux"], "checkout")
    assert (nps["rating"], nps["nps"]) == (None, 9)


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"rating": 6}, "/body/rating"),
        ({"rating": "3"}, "/body/rating"),
        ({"nps": 11}, "/body/nps"),
        ({"nps": True}, "/body/nps"),
        ({"kind": "rant"}, "/body/kind"),
        ({"tags": ["x"] * 21}, "/body/tags"),
    ],
)
async def test_invalid_scores_and_labels_are_refused(caller: Caller, fields: dict[str, object], pointer: str) -> None:
    response = await caller.post("/v1/feedback", json={"text": "Hi", "channel": "email", **fields})

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_customer_ref_attaches_the_item_to_one_customer_of_the_source(caller: Caller) -> None:
    first = await post(caller, text="One", source="hubspot", customer_ref="c-1")
    second = await post(caller, text="Two", source="hubspot", customer_ref="c-1")
    other_source = await post(caller, text="Three", source="zendesk", customer_ref="c-1")

    assert first["customer_id"] is not None
    assert first["customer_id"] == second["customer_id"] != other_source["customer_id"]
    customer = (await caller.get(f"/v1/customers/{first['customer_id']}")).json()
    assert (customer["source"], customer["external_id"]) == ("hubspot", "c-1")
    listed = (await caller.get("/v1/feedback", params={"customer_id": first["customer_id"]})).json()["items"]
    assert {item["id"] for item in listed} == {first["id"], second["id"]}


async def test_list_filters_by_kind_status_and_product_area(caller: Caller) -> None:
    bug = await post(caller, text="It crashes.", product_area="export")
    await post(caller, text="Please add a dark mode.", product_area="ui")

    for params in ({"kind": "bug"}, {"product_area": "Export"}, {"kind": "bug", "status": "new"}):
        listed = (await caller.get("/v1/feedback", params=params)).json()["items"]
        assert [item["id"] for item in listed] == [bug["id"]]
    assert (await caller.get("/v1/feedback", params={"status": "triaged"})).json()["items"] == []
