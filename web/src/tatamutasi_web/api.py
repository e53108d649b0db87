"""Calls to the four services' public HTTP APIs with the user's token. Errors come back as
`ApiError` carrying the problem details; unreachable services as status 503."""

import time
import uuid
from typing import Any

import httpx


class ApiError(Exception):
    def __init__(self, service: str, status: int, body: Any) -> None:
        super().__init__(f"{service}: {status}")
        self.service = service
        self.status = status
        self.body = body


class Capabilities:
    """Which routes each service offers (from its /openapi.json), cached for a minute, so
    pages offer only what the APIs can do (workflow, flags and sync arrive over time)."""

    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str], ttl_s: float = 60) -> None:
        self._http = http
        self._urls = urls
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, set[str]]] = {}

    async def routes(self, service: str) -> set[str]:
        hit = self._cache.get(service)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        found: set[str] = set()
        try:
            r = await self._http.get(self._urls[service] + "/openapi.json", timeout=5)
            if r.status_code == 200:
                for path, ops in (r.json().get("paths") or {}).items():
                    for method in ops:
                        found.add(f"{method.upper()} {path}")
        except httpx.HTTPError:
            return hit[1] if hit else set()
        self._cache[service] = (time.monotonic() + self._ttl, found)
        return found

    async def has(self, service: str, route: str) -> bool:
        return route in await self.routes(service)


class Api:
    def __init__(
        self, http: httpx.AsyncClient, urls: dict[str, str], token: str | None, lang: str
    ) -> None:
        self._http = http
        self._urls = urls
        self._token = token
        self._lang = lang

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"Accept-Language": "en" if self._lang == "en" else "id"}
        if self._token:
            h["Authorization"] = f"Bearer {self._token}"
        if extra:
            h.update(extra)
        return h

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        extra = dict(headers or {})
        # Idempotency-Key on JSON writes; the services' multipart import reads the body as a
        # form, so it is sent without one (a retry of an import is a new import anyway).
        if method == "POST" and files is None and "Idempotency-Key" not in extra:
            extra["Idempotency-Key"] = str(uuid.uuid4())
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            r = await self._http.request(
                method,
                self._urls[service] + path,
                params=clean,
                json=json,
                files=files,
                data=data,
                headers=self._headers(extra),
            )
        except httpx.HTTPError as exc:
            raise ApiError(service, 503, {"detail": str(exc)}) from exc
        if r.status_code >= 400:
            try:
                body = r.json()
            except ValueError:
                body = {"detail": r.text[:300]}
            raise ApiError(service, r.status_code, body)
        return r

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return (await self.request(service, "GET", path, params=params)).json()

    async def post(self, service: str, path: str, body: Any = None, **kw: Any) -> Any:
        r = await self.request(service, "POST", path, json=body, **kw)
        return r.json() if r.content else None
