"""`GET /v1/themes/digest`: growth, new patterns and notable quotes of a period."""

import datetime as dt
from typing import Any

from ideaflow_shared.testing import Caller

DARK = [
    "Dark mode please, the white background hurts my eyes at night.",
    "Please add a dark mode, the bright white screen hurts at night.",
    "A dark mode for night shifts please, white hurts the eyes.",
]
EXPORT = [
    "Please add CSV export of the order history for our accountant.",
    "We need to export the order history as CSV for accounting.",
    "CSV export of the order history please, our accountant needs it.",
]
START = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


async def post(caller: Caller, text: str, *, days: float, customer: str) -> dict[str, Any]:
    received_at = (START + dt.timedelta(days=days)).isoformat()
    response = await caller.post(
        "/v1/feedback", json={"text": text, "channel": "email", "received_at": received_at, "customer_ref": customer}
    )
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def test_digest_ranks_growth_names_new_patterns_and_quotes_the_period(caller: Caller) -> None:
    await post(caller, EXPORT[0], days=-20, customer="a")  # before the period: export is not new
    await post(caller, EXPORT[1], days=-10, customer="b")
    in_period = await post(caller, EXPORT[2], days=3, customer="c")
    dark = [await post(caller, text, days=2 + n, customer=f"d{n}") for n, text in enumerate(DARK)]
    await post(caller, DARK[0], days=40, customer="late")  # after the period

    response = await caller.get(
        "/v1/themes/digest", params={"from": START.isoformat(), "to": (START + dt.timedelta(days=30)).isoformat()}
    )

    assert response.status_code == 200, response.text
    digest = response.json()
    assert digest["from"] == "2025-03-01T00:00:00Z"
    growing = digest["growing_themes"]
    assert [(row["current_items"], row["previous_items"], row["growth"]) for row in growing] == [(3, 0, 3), (1, 2, -1)]
    assert growing[0]["label"] == DARK[0]
    assert [(row["theme_id"], row["customer_count"]) for row in digest["new_patterns"]] == [(growing[0]["theme_id"], 3)]
    quoted = {quote["feedback_id"] for quote in digest["notable_quotes"]}
    assert quoted == {item["id"] for item in [*dark, in_period]}


async def test_a_period_that_ends_before_it_starts_is_empty_and_from_is_required(caller: Caller) -> None:
    await post(caller, DARK[0], days=0, customer="a")

    backwards = await caller.get(
        "/v1/themes/digest", params={"from": "2025-03-02T00:00:00Z", "to": "2025-03-01T00:00:00Z"}
    )
    ancient = await caller.get(
        "/v1/themes/digest", params={"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T00:00:00Z"}
    )
    missing = await caller.get("/v1/themes/digest", params={"to": "2025-03-02T00:00:00Z"})

    assert backwards.status_code == 200
    assert backwards.json()["growing_themes"] == backwards.json()["notable_quotes"] == []
    assert ancient.status_code == 200
    assert len(ancient.json()["growing_themes"]) == 1
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["pointer"] == "/query/from"
