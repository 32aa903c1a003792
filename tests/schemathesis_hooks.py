"""Schemathesis hooks, loaded by the root schemathesis.toml (`hooks = "tests.schemathesis_hooks"`).

Two facts no schema can express, supplied just before each call:
- The API rightly refuses an Idempotency-Key reused with another body (422), but generated
  requests reuse header values: a request carrying a well-formed key gets a fresh one.
- An experiment (and later other objects) names an idea that must exist in the caller's
  organisation; a random UUID never does, so every create would be refused and the reads,
  changes and deletes after it would only see 404s. When IDEAFLOW_SCHEMATHESIS_IDEA_ID names a
  real idea, a body's well-formed `idea_id` becomes that idea.
Malformed values that schemathesis invents to test refusals are left as they are.
"""

import os
import re
import uuid
from collections.abc import MutableMapping
from typing import Any

import schemathesis

_WELL_FORMED_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case[Any], **kwargs: Any) -> None:
    headers: MutableMapping[str, Any] = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and _WELL_FORMED_KEY.match(key):
        headers["Idempotency-Key"] = str(uuid.uuid4())
    idea_id = os.environ.get("IDEAFLOW_SCHEMATHESIS_IDEA_ID")
    if idea_id and isinstance(case.body, dict) and _is_uuid(case.body.get("idea_id")):
        case.body["idea_id"] = idea_id
