"""The services behind the gateway: one long-lived keep-alive connection pool per service.

Pools are created in the lifespan and closed with it. Their client is our own lean one
(upstream_client.py), because the proxy's cost per request is decided by it (docs/performance.md).
"""

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ideaflow_gateway.upstream_client import UpstreamPool


@dataclass(slots=True)
class Upstream:
    name: str
    host: str
    port: int
    timeout_seconds: float
    _pool: UpstreamPool | None = field(default=None)

    @property
    def pool(self) -> UpstreamPool:
        assert self._pool is not None, "the gateway's lifespan has not started"
        return self._pool

    async def fetch(self, path: str, *, timeout_seconds: float) -> tuple[int, bytes]:
        """GET `path` and read the whole (small) answer: for documents and health, not for proxying."""
        async with asyncio.timeout(timeout_seconds):
            response = await self.pool.request("GET", path.encode(), [(b"accept", b"application/json")])
            finished = False
            try:
                body = await response.read()
                finished = True
            finally:
                response.release(finished=finished)
        return response.status, body


def upstream_address(url: str) -> tuple[str, int]:
    """`http://host[:port]` → (host, port); anything else is refused (the pools speak plain HTTP/1.1)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path.strip("/") or parts.query:
        raise ValueError(f"must be http://host[:port], not {url!r}")
    return parts.hostname, parts.port or 80


class Upstreams:
    def __init__(self, urls: dict[str, str], *, timeout_seconds: float) -> None:
        self.by_name = {
            name: Upstream(name, *upstream_address(url), timeout_seconds=timeout_seconds) for name, url in urls.items()
        }

    def start(self) -> None:
        for upstream in self.by_name.values():
            upstream._pool = UpstreamPool(upstream.host, upstream.port)

    def close(self) -> None:
        for upstream in self.by_name.values():
            if upstream._pool is not None:
                upstream._pool.close()
                upstream._pool = None
