"""The services behind the gateway: one long-lived keep-alive connection pool per service.

Pools are created in the lifespan and closed with it. The pools' client is our own lean one
(upstream_client.py) because the proxy's throughput is decided by it (docs/performance.md).
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
            response = await self.pool.request(
                "GET", path.encode(), [(b"accept", b"application/json")], None, chunked=False
            )
            finished = False
            try:
                body = b"".join([chunk async for chunk in response.body()])
                finished = True
            finally:
                response.release(finished=finished)
        return response.status, body


def _upstream(name: str, url: str, timeout_seconds: float) -> Upstream:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path.strip("/"):
        raise ValueError(f"the {name} service's URL must be http://host[:port], not {url!r}")
    return Upstream(name, parts.hostname, parts.port or 80, timeout_seconds)


class Upstreams:
    def __init__(self, urls: dict[str, str], *, timeout_seconds: float) -> None:
        self.by_name = {name: _upstream(name, url, timeout_seconds) for name, url in urls.items()}

    def start(self) -> None:
        for upstream in self.by_name.values():
            upstream._pool = UpstreamPool(upstream.host, upstream.port)

    def close(self) -> None:
        for upstream in self.by_name.values():
            if upstream._pool is not None:
                upstream._pool.close()
                upstream._pool = None
