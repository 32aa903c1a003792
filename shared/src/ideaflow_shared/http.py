"""Service-to-service HTTP: one pooled aiohttp session per process, timeouts, safe retries."""

import asyncio
from typing import Any

import aiohttp
import structlog

from ideaflow_shared.context import current_context
from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER, Identity
from ideaflow_shared.jsonutil import dumps, loads
from ideaflow_shared.problems import GatewayTimeout, ServiceUnavailable

log = structlog.get_logger(__name__)

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRYABLE_STATUSES = frozenset({502, 503, 504})


def create_http_session(*, connections: int = 100) -> aiohttp.ClientSession:
    """The process's one pooled session; create it in `lifespan`, close it on shutdown."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections, keepalive_timeout=60, ttl_dns_cache=300),
        json_serialize=lambda value: dumps(value).decode(),
        auto_decompress=False,
    )


class ServiceClient:
    """Base of the typed clients: JSON over the shared pool, with the caller's identity."""

    service_name = "upstream"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        timeout_seconds: float = 5.0,
        retries: int = 2,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._retries = retries

    async def request(
        self,
        method: str,
        path: str,
        *,
        identity: Identity,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Send one request; answer (status, decoded JSON body or None).

        Connection failures and 502/503/504 are retried only for idempotent methods; when the
        service stays unreachable this raises ServiceUnavailable (503) or GatewayTimeout (504).
        """
        headers = {INTERNAL_TOKEN_HEADER: identity.token, "Accept": "application/json"}
        context = current_context.get()
        if context is not None:
            headers.update(context.outgoing_headers())
        attempts = 1 + (self._retries if method in _IDEMPOTENT_METHODS else 0)
        url = self._base_url + path
        for attempt in range(1, attempts + 1):
            try:
                async with self._session.request(
                    method, url, headers=headers, json=json, params=params, timeout=self._timeout
                ) as response:
                    body = await response.read()
                    if response.status in _RETRYABLE_STATUSES and attempt < attempts:
                        await asyncio.sleep(0.05 * attempt)
                        continue
                    return response.status, (loads(body) if body else None)
            except TimeoutError:
                if attempt == attempts:
                    log.warning("upstream_timeout", service=self.service_name, method=method, path=path)
                    raise GatewayTimeout(f"The {self.service_name} service did not answer in time.") from None
            except aiohttp.ClientError as error:
                if attempt == attempts:
                    log.warning("upstream_unavailable", service=self.service_name, error=str(error))
                    raise ServiceUnavailable(
                        f"The {self.service_name} service is unavailable; nothing was changed. Retry later."
                    ) from None
            await asyncio.sleep(0.05 * attempt)
        raise AssertionError("unreachable")
