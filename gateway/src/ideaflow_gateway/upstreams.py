"""One long-lived aiohttp connection pool per upstream service.

aiohttp, because as a proxy client it is many times faster than httpx's default transport
(measured: docs/performance.md). Pools are created in the lifespan, inside the running loop.
"""

from dataclasses import dataclass, field

import aiohttp

# Below uvicorn's 5 s keep-alive, so the gateway drops an idle connection before the service does.
_KEEPALIVE_SECONDS = 4
_CONNECTIONS_PER_UPSTREAM = 256


@dataclass(slots=True)
class Upstream:
    name: str
    base_url: str
    timeout: aiohttp.ClientTimeout
    session: aiohttp.ClientSession | None = field(default=None)

    @property
    def pool(self) -> aiohttp.ClientSession:
        assert self.session is not None, "the gateway's lifespan has not started"
        return self.session


class Upstreams:
    def __init__(self, urls: dict[str, str], *, timeout_seconds: float) -> None:
        timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.by_name = {name: Upstream(name, url.rstrip("/"), timeout) for name, url in urls.items()}

    def start(self) -> None:
        for upstream in self.by_name.values():
            upstream.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=_CONNECTIONS_PER_UPSTREAM, keepalive_timeout=_KEEPALIVE_SECONDS, ttl_dns_cache=300
                ),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def close(self) -> None:
        for upstream in self.by_name.values():
            if upstream.session is not None:
                await upstream.session.close()
                upstream.session = None
