"""Real anonymity: after an anonymous submission nothing in the service links it to its author.

The scan covers every table of the service's database, every log line written while the author
contributes (SQL statements and their parameters included) and every response, for the
author's principal id and for the unkeyed hashes anyone could compute from it. (Reading "my
ideas" afterwards rightly queries by the reader's own principal: that is not a contribution.)
"""

import hashlib
import io
import logging
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import MetaData, select

from ideaflow_shared.db import create_engine
from ideaflow_shared.testing import Caller

IDEA = {
    "title": "Rotate the night shifts fairly",
    "problem": "The same people always get the night shift.",
    "proposal": "Publish a rotation four weeks ahead.",
    "category": "workplace",
    "anonymous": True,
}


def traces_of(principal_id: str) -> list[bytes]:
    """The principal id and what a curious DBA would try: its usual unkeyed digests."""
    raw = principal_id.encode()
    digests = [hashlib.new(name, raw) for name in ("md5", "sha1", "sha256", "sha512")]
    return [raw, *(digest.digest() for digest in digests), *(digest.hexdigest().encode() for digest in digests)]


def leaks(haystack: bytes, principal_id: str) -> list[bytes]:
    return [trace for trace in traces_of(principal_id) if trace.lower() in haystack.lower()]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line, formatted as the service writes it, with SQL and its parameters enabled."""
    root = logging.getLogger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(root.handlers[0].formatter)
    sql = logging.getLogger("sqlalchemy.engine")
    previous = (root.level, sql.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(previous[0])
        sql.setLevel(previous[1])


async def every_row(database_url: str) -> bytes:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            metadata = MetaData()
            await connection.run_sync(metadata.reflect)
            dump = bytearray()
            for table in metadata.sorted_tables:
                for row in (await connection.execute(select(table))).all():
                    for value in row:
                        dump += value if isinstance(value, bytes) else str(value).encode()
                        dump += b"\x1f"
            assert {"ideas", "comments", "idea_votes", "idempotency_keys"} <= set(metadata.tables)
            return bytes(dump)
    finally:
        await engine.dispose()


def response_bytes(response: httpx.Response) -> bytes:
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    return headers.encode() + b"\n" + response.content


async def test_an_anonymous_submission_leaves_no_trace_of_its_author(
    caller_factory: Callable[..., Caller], database_url: str, captured_logs: io.StringIO
) -> None:
    author = caller_factory("employee", principal_id=f"author-{uuid.uuid4().hex}")
    colleague = caller_factory("employee", organization_id=author.identity.organization_id)
    principal = author.identity.principal_id
    responses = []

    submitted = await author.post("/v1/ideas", json=IDEA, headers={"Idempotency-Key": str(uuid.uuid4())})
    responses.append(submitted)
    idea_url = f"/v1/ideas/{submitted.json()['id']}"
    follow = {"Follow-Token": submitted.headers["follow-token"]}
    question = await colleague.post(f"{idea_url}/comments", json={"kind": "question", "body": "Who decides today?"})
    responses.append(
        await author.post(
            f"{idea_url}/comments",
            json={"kind": "build_on", "body": "The team lead.", "parent_id": question.json()["id"]},
            headers=follow,
        )
    )
    responses.append(
        await author.post(f"{idea_url}/comments", json={"kind": "build_on", "body": "Also…", "anonymous": True})
    )
    responses.append(await author.request("PUT", f"{idea_url}/vote"))
    logs_of_contributions = captured_logs.getvalue()
    for url in (idea_url, f"{idea_url}/comments", "/v1/ideas", "/v1/ideas/mine", f"{idea_url}/vote"):
        responses.append(await author.get(url))
    responses.append(await author.get("/v1/ideas/followed", headers=follow))

    assert submitted.status_code == 201
    assert all(response.status_code in (200, 201) for response in responses), [r.status_code for r in responses]
    assert (await author.get("/v1/ideas/mine")).json()["items"] == []
    for response in responses:
        assert leaks(response_bytes(response), principal) == [], response.request.url
    assert leaks(logs_of_contributions.encode(), principal) == []
    assert "INSERT INTO ideas" in logs_of_contributions  # the scan did see the SQL
    assert leaks(await every_row(database_url), principal) == []


async def test_the_follow_token_is_shown_once_and_stored_only_as_a_hash(
    caller_factory: Callable[..., Caller], database_url: str
) -> None:
    author = caller_factory("employee")
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = await author.post("/v1/ideas", json=IDEA, headers=key)
    replay = await author.post("/v1/ideas", json=IDEA, headers=key)
    token = first.headers["follow-token"]

    assert first.json()["author_id"] is None
    assert first.json()["anonymous"] is True
    assert "follow-token" not in replay.headers
    assert replay.json()["id"] == first.json()["id"]
    stored = await every_row(database_url)
    assert token.encode() not in stored
    assert hashlib.sha256(token.encode()).digest() in stored


async def test_only_the_follow_token_opens_the_progress_view(caller_factory: Callable[..., Caller]) -> None:
    author = caller_factory("employee")
    colleague = caller_factory("employee", organization_id=author.identity.organization_id)
    stranger = caller_factory("employee")
    submitted = await author.post("/v1/ideas", json=IDEA)
    token = {"Follow-Token": submitted.headers["follow-token"]}
    named = await author.post("/v1/ideas", json={**IDEA, "anonymous": False})

    followed = await colleague.get("/v1/ideas/followed", headers=token)

    assert followed.status_code == 200
    assert followed.json()["id"] == submitted.json()["id"]
    assert followed.json()["stage"] == "submitted"
    assert "follow-token" not in named.headers
    assert (await author.get("/v1/ideas/followed")).status_code == 404
    assert (await author.get("/v1/ideas/followed", headers={"Follow-Token": "ift_guess"})).status_code == 404
    assert (await stranger.get("/v1/ideas/followed", headers=token)).status_code == 404


async def test_the_anonymous_author_answers_questions_as_the_author(caller_factory: Callable[..., Caller]) -> None:
    author = caller_factory("employee")
    colleague = caller_factory("employee", organization_id=author.identity.organization_id)
    idea = await author.post("/v1/ideas", json=IDEA)
    other_idea = await author.post("/v1/ideas", json=IDEA)
    comments = f"/v1/ideas/{idea.json()['id']}/comments"
    token = {"Follow-Token": idea.headers["follow-token"]}
    question = (await colleague.post(comments, json={"kind": "question", "body": "How long ahead?"})).json()

    answer = await colleague.post(
        comments, json={"kind": "build_on", "body": "Four weeks.", "parent_id": question["id"]}, headers=token
    )
    wrong_idea = await colleague.post(
        f"/v1/ideas/{other_idea.json()['id']}/comments", json={"kind": "build_on", "body": "x"}, headers=token
    )

    assert answer.status_code == 201
    assert answer.json()["by_idea_author"] is True
    assert answer.json()["author_id"] is None
    assert wrong_idea.status_code == 403
