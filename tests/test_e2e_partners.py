"""Partners, collaborations and the programme view through the gateway, with the real ideas service behind."""

import datetime as dt

from tests.conftest import Tenant

IDEA = {
    "title": "Dynamic route planning",
    "problem": "Drivers lose an hour a day to routes planned the evening before.",
    "proposal": "Re-plan routes every morning with live traffic.",
}


def _rfc3339(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


async def test_a_partner_collaborates_on_an_experiment_and_the_programme_counts_it(tenant: Tenant) -> None:
    client = tenant.client
    start = dt.datetime.now(dt.UTC) - dt.timedelta(milliseconds=1)
    ideas = [(await client.post("/v1/ideas", json=IDEA)).json()["id"] for _ in range(2)]
    experiment = await client.post(
        "/v1/experiments",
        json={
            "idea_id": ideas[0],
            "title": "Morning re-planning",
            "hypothesis": "We believe it saves time.",
            "type": "pilot",
        },
    )
    assert experiment.status_code == 201, experiment.text
    partner = await client.post("/v1/partners", json={"name": "Route Lab", "type": "startup"})
    assert partner.status_code == 201, partner.text
    collaborations = f"/v1/partners/{partner.json()['id']}/collaborations"
    agreement = {
        "experiment_id": experiment.json()["id"],
        "goals": "Cut delivery time by 10 %.",
        "confidentiality": "internal",
    }

    refused = await client.post(collaborations, json={**agreement, "shared_data": ["personal_data"]})
    created = await client.post(collaborations, json={**agreement, "shared_data": ["results_aggregated"]})
    by_experiment = await client.get(f"/v1/experiments/{experiment.json()['id']}/collaborations")
    end = dt.datetime.now(dt.UTC)
    programme = await client.get("/v1/programme", params={"from": _rfc3339(start), "to": _rfc3339(end)})

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert created.status_code == 201, created.text
    assert by_experiment.json()["items"] == [created.json()]
    assert programme.status_code == 200, programme.text
    assert programme.json()["experiments"]["created"] == 1
    assert programme.json()["ideas"] == {
        "submitted": 2,
        "reached_experiment": 1,
        "share_reached_experiment": 0.5,
        "unavailable_reason": None,
    }
