"""Schemathesis hooks for the experiments service, on top of the repository's own.

Run with SCHEMATHESIS_HOOKS=services.experiments.tests.schemathesis_hooks and
IDEAFLOW_SCHEMATHESIS_IDEAS_URL naming the ideas service the experiments process calls.

An experiment can only be created for an idea that exists in the ideas service, which no
schema can express: a generated `idea_id` is a random UUID, so every create would be refused
(422) and the reads, changes and deletes after it would only ever see 404s. Submit one real
idea in the caller's organisation, and give every create that carries a well-formed `idea_id`
that idea instead; malformed ids schemathesis invents to test refusals are left as they are.
"""

import os
import uuid
from typing import Any

import httpx
import schemathesis

from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from tests.schemathesis_hooks import before_call as _replace_idempotency_key  # noqa: F401 - registers it


def _submit_idea() -> str:
    response = httpx.post(
        os.environ["IDEAFLOW_SCHEMATHESIS_IDEAS_URL"].rstrip("/") + "/v1/ideas",
        headers={INTERNAL_TOKEN_HEADER: os.environ["IDEAFLOW_SCHEMATHESIS_TOKEN"]},
        json={"title": "Schemathesis idea", "problem": "Experiments need an idea.", "proposal": "Test it."},
    )
    response.raise_for_status()
    return str(response.json()["id"])


_IDEA_ID = _submit_idea()


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


@schemathesis.hook("before_call")
def use_an_existing_idea(context: schemathesis.HookContext, case: schemathesis.Case[Any], **kwargs: Any) -> None:
    creates = case.method == "POST" and case.path == "/v1/experiments"
    if creates and isinstance(case.body, dict) and _is_uuid(case.body.get("idea_id")):
        case.body["idea_id"] = _IDEA_ID
