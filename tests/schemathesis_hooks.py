"""Schemathesis hooks, loaded by the root schemathesis.toml (`hooks = "tests.schemathesis_hooks"`).

Generated requests reuse header values, but the API rightly refuses an Idempotency-Key reused
with another body (422). Just before each call, give a request that carries a well-formed key
a fresh one; the malformed keys schemathesis invents to test refusals are left as they are.
"""

import re
import uuid
from typing import Any

import schemathesis

_WELL_FORMED_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, **kwargs: Any) -> None:
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and _WELL_FORMED_KEY.match(key):
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
