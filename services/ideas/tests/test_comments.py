"""`/v1/ideas/{idea_id}/comments`: building on ideas, deferred judgement, threads, authorship."""

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy import update

from ideaflow_ideas.ideas.models import Idea
from ideaflow_shared.db import create_engine
from ideaflow_shared.testing import Caller

IDEA = {"title": "Share the van", "problem": "Two vans drive half empty.", "proposal": "Plan one route."}
CHALLENGE = {
    "title": "Fewer empty kilometres",
    "focus_question": "How might our vans drive full?",
    "opens_at": "2026-12-01T08:00:00Z",
    "closes_at": "2026-12-15T17:00:00Z",
}


async def idea_in_challenge(caller_factory: Callable[..., Caller], phase: str) -> tuple[Caller, str, str]:
    """A manager, and an idea (by an employee) in a challenge moved to `phase`."""
    manager = caller_factory("manager")
    challenge = (await manager.post("/v1/challenges", json=CHALLENGE)).json()
    await manager.post(f"/v1/challenges/{challenge['id']}/phase", json={"phase": "ideation"})
    employee = caller_factory("employee", organization_id=manager.identity.organization_id)
    idea = (await employee.post("/v1/ideas", json={**IDEA, "challenge_id": challenge["id"]})).json()
    for next_phase in ("evaluation", "closed")[: ("ideation", "evaluation", "closed").index(phase)]:
        await manager.post(f"/v1/challenges/{challenge['id']}/phase", json={"phase": next_phase})
    return manager, f"/v1/ideas/{idea['id']}/comments", challenge["id"]


async def test_critique_waits_for_the_evaluation_phase(caller_factory: Callable[..., Caller]) -> None:
    manager, comments, challenge_id = await idea_in_challenge(caller_factory, "ideation")

    critique = await manager.post(comments, json={"kind": "critique", "body": "Routes differ too much."})
    build_on = await manager.post(comments, json={"kind": "build_on", "body": "And share the driver."})
    question = await manager.post(comments, json={"kind": "question", "body": "Which days?"})
    await manager.post(f"/v1/challenges/{challenge_id}/phase", json={"phase": "evaluation"})
    later = await manager.post(comments, json={"kind": "critique", "body": "Routes differ too much."})

    assert critique.status_code == 409
    problem = critique.json()
    assert problem["opens_in_phase"] == "evaluation"
    assert "deferred" in problem["detail"]
    assert "evaluation" in problem["detail"]
    assert build_on.status_code == question.status_code == 201
    assert later.status_code == 201
    kinds = [comment["kind"] for comment in (await manager.get(comments)).json()["items"]]
    assert kinds == ["build_on", "question", "critique"]


async def test_ideas_outside_challenges_take_critique_any_time(caller: Caller) -> None:
    idea = (await caller.post("/v1/ideas", json=IDEA)).json()

    response = await caller.post(f"/v1/ideas/{idea['id']}/comments", json={"kind": "critique", "body": "Costly."})

    assert response.status_code == 201
    assert response.headers["location"] == f"/v1/ideas/{idea['id']}/comments/{response.json()['id']}"
    assert response.json()["author_id"] == caller.identity.principal_id


async def test_closed_challenges_take_no_comments(caller_factory: Callable[..., Caller]) -> None:
    manager, comments, _ = await idea_in_challenge(caller_factory, "closed")

    response = await manager.post(comments, json={"kind": "build_on", "body": "Too late?"})

    assert response.status_code == 409
    assert (await manager.get(comments)).json()["items"] == []


async def test_threads_are_one_level_deep(caller: Caller) -> None:
    idea = (await caller.post("/v1/ideas", json=IDEA)).json()
    comments = f"/v1/ideas/{idea['id']}/comments"
    top = (await caller.post(comments, json={"kind": "question", "body": "Which days?"})).json()

    reply = await caller.post(comments, json={"kind": "build_on", "body": "Tuesdays.", "parent_id": top["id"]})
    nested = await caller.post(
        comments, json={"kind": "build_on", "body": "And Fridays.", "parent_id": reply.json()["id"]}
    )
    other_idea = (await caller.post("/v1/ideas", json=IDEA)).json()
    elsewhere = await caller.post(
        f"/v1/ideas/{other_idea['id']}/comments", json={"kind": "build_on", "body": "x", "parent_id": top["id"]}
    )

    assert reply.status_code == 201
    assert reply.json()["parent_id"] == top["id"]
    assert nested.status_code == elsewhere.status_code == 422
    assert nested.json()["errors"][0]["pointer"] == "/body/parent_id"


async def test_only_the_author_edits_and_the_author_or_a_manager_deletes(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    idea = (await caller.post("/v1/ideas", json=IDEA)).json()
    comments = f"/v1/ideas/{idea['id']}/comments"
    comment = (await caller.post(comments, json={"kind": "question", "body": "Which days?"})).json()
    reply = (
        await colleague.post(comments, json={"kind": "build_on", "body": "Mon", "parent_id": comment["id"]})
    ).json()
    url = f"{comments}/{comment['id']}"

    by_colleague = await colleague.patch(url, json={"body": "Hijacked"}, headers={"If-Match": '"1"'})
    by_manager = await manager.patch(url, json={"body": "Moderated"}, headers={"If-Match": '"1"'})
    without_etag = await caller.patch(url, json={"body": "Which weekdays?"})
    edited = await caller.patch(url, json={"body": "Which weekdays?"}, headers={"If-Match": '"1"'})
    colleague_delete = await colleague.delete(url, headers={"If-Match": '"2"'})
    manager_delete = await manager.delete(url, headers={"If-Match": '"2"'})

    assert [by_colleague.status_code, by_manager.status_code, without_etag.status_code] == [403, 403, 428]
    assert edited.status_code == 200
    assert edited.json()["body"] == "Which weekdays?"
    assert edited.headers["etag"] == '"2"'
    assert colleague_delete.status_code == 403
    assert manager_delete.status_code == 204
    assert (await caller.get(url)).status_code == 404
    assert (await caller.get(f"{comments}/{reply['id']}")).status_code == 404  # replies go with their comment


async def test_an_anonymous_comment_is_edited_with_its_token_only(caller_factory: Callable[..., Caller]) -> None:
    author = caller_factory("employee")
    idea = (await author.post("/v1/ideas", json=IDEA)).json()
    comments = f"/v1/ideas/{idea['id']}/comments"

    posted = await author.post(comments, json={"kind": "build_on", "body": "Quietly: yes.", "anonymous": True})
    url = f"{comments}/{posted.json()['id']}"
    token = posted.headers["comment-token"]
    as_self_without_token = await author.patch(url, json={"body": "Edited"}, headers={"If-Match": '"1"'})
    with_token = await author.patch(url, json={"body": "Edited"}, headers={"If-Match": '"1"', "Comment-Token": token})

    assert posted.status_code == 201
    assert posted.json()["author_id"] is None
    assert posted.json()["anonymous"] is True
    assert as_self_without_token.status_code == 403
    assert with_token.status_code == 200
    assert (await author.delete(url, headers={"If-Match": '"2"', "Comment-Token": token})).status_code == 204


async def test_comments_of_another_organisations_idea_are_not_found(caller_factory: Callable[..., Caller]) -> None:
    owner, stranger = caller_factory(), caller_factory()
    idea = (await owner.post("/v1/ideas", json=IDEA)).json()
    comments = f"/v1/ideas/{idea['id']}/comments"
    comment = (await owner.post(comments, json={"kind": "question", "body": "?"})).json()

    assert (await stranger.get(comments)).status_code == 404
    assert (await stranger.post(comments, json={"kind": "question", "body": "?"})).status_code == 404
    assert (await stranger.get(f"{comments}/{comment['id']}")).status_code == 404


async def test_callers_without_a_participant_role_cannot_comment(caller_factory: Callable[..., Caller]) -> None:
    employee = caller_factory("employee")
    integration = caller_factory("integration", organization_id=employee.identity.organization_id)
    idea = (await employee.post("/v1/ideas", json=IDEA)).json()

    response = await integration.post(f"/v1/ideas/{idea['id']}/comments", json={"kind": "question", "body": "?"})

    assert response.status_code == 403


async def test_the_comment_list_pages_oldest_first(caller: Caller) -> None:
    idea = (await caller.post("/v1/ideas", json=IDEA)).json()
    comments = f"/v1/ideas/{idea['id']}/comments"
    created = [(await caller.post(comments, json={"kind": "build_on", "body": f"#{n}"})).json() for n in range(5)]

    seen, token = [], None
    while True:
        page = (await caller.get(comments, params={"page_size": 2, **({"page_token": token} if token else {})})).json()
        seen += [comment["id"] for comment in page["items"]]
        if (token := page["next_page_token"]) is None:
            break

    assert seen == [comment["id"] for comment in created]


async def test_a_reviewers_comment_answers_the_idea_and_an_employees_does_not(
    caller_factory: Callable[..., Caller], database_url: str
) -> None:
    employee = caller_factory("employee")
    reviewer = caller_factory("reviewer", organization_id=employee.identity.organization_id)
    chatted, answered = [(await employee.post("/v1/ideas", json=IDEA)).json()["id"] for _ in range(2)]
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        ids = [uuid.UUID(chatted), uuid.UUID(answered)]
        await connection.execute(update(Idea).where(Idea.id.in_(ids)).values(created_at=old))
    await engine.dispose()

    await employee.post(f"/v1/ideas/{chatted}/comments", json={"kind": "build_on", "body": "+1"})
    await reviewer.post(f"/v1/ideas/{answered}/comments", json={"kind": "question", "body": "Which route?"})

    waiting = (await reviewer.get("/v1/ideas/awaiting-review")).json()["items"]
    assert [idea["id"] for idea in waiting] == [chatted]
