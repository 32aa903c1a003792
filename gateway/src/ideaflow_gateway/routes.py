"""Which service owns which `/v1` path prefix: the one routing table of the gateway."""

import re

UPSTREAM_PREFIXES: dict[str, tuple[str, ...]] = {
    "ideas": ("/v1/challenges", "/v1/ideas", "/v1/evaluation-criteria"),
    "experiments": ("/v1/experiments", "/v1/assumptions", "/v1/learnings", "/v1/partners", "/v1/programme"),
    "feedback": ("/v1/feedback", "/v1/customers", "/v1/themes", "/v1/integrations", "/v1/imports"),
}

# Import files stream through to the feedback service, which bounds them itself: no body cap, and
# the upload timeout instead of the upstream timeout.
UPLOAD_PATHS = re.compile(r"/v1/imports/[^/]+/file")

OWNER_BY_PREFIX = {prefix: owner for owner, prefixes in UPSTREAM_PREFIXES.items() for prefix in prefixes}


def path_prefix(path: str) -> str:
    """The first two segments of `path` (`/v1/ideas/1/votes` → `/v1/ideas`), the key of the table."""
    parts = path.split("/", 3)
    return "/".join(parts[:3]) if len(parts) >= 3 else path
