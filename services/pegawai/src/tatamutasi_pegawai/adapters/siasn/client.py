"""Async SIASN client (DOMAIN.md §1): two tokens, two headers, the quirks of the envelope,
bounded retries and concurrency. Data methods return normalised records (`records.py`);
SIASN's own shapes never leave this package.

Behaviour in short:
- APIM token: client-credentials grant with HTTP Basic (consumer key/secret), cached until
  `token_refresh_margin_s` before it expires; one fetch at a time (a lock), shared by all calls.
- SSO token: operator-supplied (setting or file, the file re-read when SIASN rejects the token)
  or, optionally, the Keycloak password grant.
- `/apisiasn/1.0` calls send `Authorization: Bearer <apim>` and `Auth: bearer <sso>`;
  `/referensi_siasn/1` calls only the APIM token.
- 401: the rejected token is dropped and fetched again, at most `auth_retries` times per call
  (a WSO2 `fault` body names the APIM token, `{Error, Message}` the SSO token).
- 404 `{"code": 0, ...}` is "no data" (None or an empty tuple), never an error.
- 5xx (including an HTML 502 from the gateway), timeouts and connection errors are retried
  with exponential backoff and jitter; 429 waits for `Retry-After`. At most
  `max_attempts` attempts, then `SiasnUnavailable`.
- Writes are retried only when SIASN cannot have seen them (429, connection refused); any
  other failure after sending is `SiasnSaveOutcomeUnknown`. HTTP 200 with `success: false`
  is `SiasnSaveRejected`.
- At most `max_concurrency` requests are in flight (a semaphore, not held while waiting)."""

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from tatamutasi_pegawai.adapters.siasn import mapping
from tatamutasi_pegawai.adapters.siasn.errors import (
    SiasnAuthError,
    SiasnError,
    SiasnMalformed,
    SiasnProtocolError,
    SiasnSaveOutcomeUnknown,
    SiasnSaveRejected,
    SiasnUnavailable,
)
from tatamutasi_pegawai.adapters.siasn.records import (
    SiasnDiklat,
    SiasnFailure,
    SiasnFamily,
    SiasnGolongan,
    SiasnHukdis,
    SiasnJabatan,
    SiasnKompetensi,
    SiasnPendidikan,
    SiasnPotensi,
    SiasnProfile,
    SiasnRelative,
    SiasnSKP22,
    SiasnSnapshot,
    SiasnUnor,
    SiasnUnorJabatanSave,
)
from tatamutasi_pegawai.adapters.siasn.settings import SiasnSettings

log = structlog.get_logger("tatamutasi.pegawai.siasn")

_NIP = re.compile(r"^\d{18}$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
T = TypeVar("T")


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float  # monotonic clock; inf for tokens without a known expiry


class _Transient(Exception):
    """A failure worth retrying. Internal: becomes SiasnUnavailable when retries run out."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class _SafeToRetryWrite(_Transient):
    """A transient failure that SIASN cannot have acted upon (throttled, not connected)."""


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date); None when absent/unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message(body: Any) -> str:
    if isinstance(body, Mapping):
        if isinstance(body.get("fault"), Mapping):
            fault = body["fault"]
            return str(fault.get("description") or fault.get("message") or "fault")
        for key in ("Message", "message", "error_description", "Error", "error", "data"):
            if body.get(key):
                return str(body[key])
    return ""


def _is_empty(body: Any) -> bool:
    return isinstance(body, Mapping) and str(body.get("code")) == "0"


class SiasnClient:
    """Use as `async with SiasnClient(settings) as siasn: ...`. Tests pass a `transport`
    (httpx.MockTransport or httpx.ASGITransport) and may replace `sleep`, `clock`, `rng`."""

    def __init__(
        self,
        settings: SiasnSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        logger: Any = None,
    ) -> None:
        self.settings = settings
        self._log = logger if logger is not None else log
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            headers={"Accept": "application/json"},
            limits=httpx.Limits(
                max_connections=settings.max_concurrency + 4,
                max_keepalive_connections=settings.max_concurrency + 4,
            ),
        )
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        self._apim: _Token | None = None
        self._sso: _Token | None = None
        self._apim_lock = asyncio.Lock()
        self._sso_lock = asyncio.Lock()
        self.stats = {"requests": 0, "retries": 0, "reauth": 0, "apim_tokens": 0, "sso_tokens": 0}

    async def __aenter__(self) -> "SiasnClient":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- tokens ---------------------------------------------------------------------------

    def _fresh(self, token: _Token | None) -> bool:
        return token is not None and self._clock() < (
            token.expires_at - self.settings.token_refresh_margin_s
        )

    async def _apim_token(self) -> str:
        if self._fresh(self._apim):
            return self._apim.value  # type: ignore[union-attr]
        async with self._apim_lock:
            if not self._fresh(self._apim):
                self._apim = await self._fetch_apim()
            return self._apim.value  # type: ignore[union-attr]

    async def _fetch_apim(self) -> _Token:
        s = self.settings
        key, secret = s.consumer_key.get_secret_value(), s.consumer_secret.get_secret_value()
        if not key or not secret:
            raise SiasnAuthError(
                "SIASN consumer key/secret are not configured (PEGAWAI_SIASN_CONSUMER_KEY, "
                "PEGAWAI_SIASN_CONSUMER_SECRET)",
                "Consumer key/secret SIASN belum diatur (PEGAWAI_SIASN_CONSUMER_KEY, "
                "PEGAWAI_SIASN_CONSUMER_SECRET)",
                token="apim",
            )
        response = await self._send(
            "POST",
            s.apim_token_url,
            resource="apim-token",
            auth=httpx.BasicAuth(key, secret),
            data={"grant_type": "client_credentials"},
        )
        token = self._read_token(response, "apim", s.apim_token_default_ttl_s)
        self.stats["apim_tokens"] += 1
        return token

    def _read_token(self, response: httpx.Response, which: str, default_ttl: float) -> _Token:
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, Mapping):
            raise SiasnAuthError(
                f"the {which.upper()} token request was refused (HTTP "
                f"{response.status_code}): {_message(body) or 'no details'}",
                f"Permintaan token {which.upper()} ditolak (HTTP {response.status_code})",
                token=which,
            )
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise SiasnAuthError(
                f"the {which.upper()} token answer has no access_token",
                f"Jawaban token {which.upper()} tidak berisi access_token",
                token=which,
            )
        try:
            ttl = float(body.get("expires_in") or default_ttl)
        except (TypeError, ValueError):
            ttl = default_ttl
        return _Token(value, self._clock() + ttl)

    async def _sso_token(self) -> str:
        if self._fresh(self._sso):
            return self._sso.value  # type: ignore[union-attr]
        async with self._sso_lock:
            if not self._fresh(self._sso):
                self._sso = await self._obtain_sso()
            return self._sso.value  # type: ignore[union-attr]

    def _sso_supplied(self) -> str | None:
        s = self.settings
        if s.sso_token_file is not None:
            try:
                text = s.sso_token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SiasnAuthError(
                    f"cannot read the SSO token file: {exc.strerror}",
                    f"Berkas token SSO tidak dapat dibaca: {exc.strerror}",
                    token="sso",
                ) from None
            if text.lower().startswith("bearer "):
                text = text[7:].strip()
            if not text:
                raise SiasnAuthError(
                    "the SSO token file is empty", "Berkas token SSO kosong", token="sso"
                )
            return text
        if s.sso_access_token is not None and s.sso_access_token.get_secret_value():
            return s.sso_access_token.get_secret_value().strip()
        return None

    async def _obtain_sso(self) -> _Token:
        supplied = self._sso_supplied()
        if supplied is not None:
            self.stats["sso_tokens"] += 1
            return _Token(supplied, float("inf"))
        s = self.settings
        if s.sso_username is None or s.sso_password is None:
            raise SiasnAuthError(
                "no SSO token: set PEGAWAI_SIASN_SSO_ACCESS_TOKEN or "
                "PEGAWAI_SIASN_SSO_TOKEN_FILE (or a username and password)",
                "Token SSO belum ada: isi PEGAWAI_SIASN_SSO_ACCESS_TOKEN atau "
                "PEGAWAI_SIASN_SSO_TOKEN_FILE (atau username dan password)",
                token="sso",
            )
        response = await self._send(
            "POST",
            s.sso_token_url,
            resource="sso-token",
            data={
                "grant_type": "password",
                "client_id": s.sso_client_id,
                "username": s.sso_username.get_secret_value(),
                "password": s.sso_password.get_secret_value(),
            },
        )
        token = self._read_token(response, "sso", s.sso_token_ttl_s)
        self.stats["sso_tokens"] += 1
        return token

    def _drop(self, which: str, rejected: dict[str, str]) -> bool:
        """Forget a rejected token; False when getting another cannot help."""
        apim, sso = self._apim, self._sso
        if which in ("apim", "") and apim is not None and apim.value == rejected.get("apim"):
            self._apim = None
        if which in ("sso", "") and sso is not None and sso.value == rejected.get("sso"):
            fixed = (
                self.settings.sso_token_file is None
                and self.settings.sso_username is None
                and self.settings.sso_access_token is not None
            )
            if which == "sso" and fixed:
                return False
            self._sso = None
        return True

    # -- transport ------------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        s = self.settings
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return float(min(exc.retry_after, s.retry_after_max_s))
        growth: float = 2.0 ** (state.attempt_number - 1)
        ceiling = min(s.backoff_max_s, s.backoff_initial_s * growth)
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    async def _send(
        self,
        method: str,
        url: str,
        *,
        resource: str,
        write: bool = False,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One HTTP exchange with retries on transient failures; returns any non-transient
        response (2xx, 4xx) for the caller to read."""

        async def attempt() -> httpx.Response:
            async with self._semaphore:
                self.stats["requests"] += 1
                try:
                    response = await self._http.request(method, url, headers=headers, **kwargs)
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                    raise _SafeToRetryWrite(f"cannot connect ({type(exc).__name__})") from exc
                except httpx.TimeoutException as exc:
                    raise _Transient(f"timed out ({type(exc).__name__})") from exc
                except httpx.TransportError as exc:
                    raise _Transient(f"connection failed ({type(exc).__name__})") from exc
            status = response.status_code
            if status == 429:
                raise _SafeToRetryWrite(
                    "throttled (HTTP 429)",
                    status=status,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            if status >= 500:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                raise _Transient(f"HTTP {status}", status=status, retry_after=retry_after)
            return response

        retry_on = _SafeToRetryWrite if write else _Transient
        try:
            async for trying in AsyncRetrying(
                retry=retry_if_exception_type(retry_on),
                stop=stop_after_attempt(self.settings.max_attempts),
                wait=self._wait,
                sleep=self._sleep,
                before_sleep=self._before_sleep(resource),
                reraise=True,
            ):
                with trying:
                    return await attempt()
        except _Transient as exc:
            attempts = self.settings.max_attempts
            if write and not isinstance(exc, _SafeToRetryWrite):
                raise SiasnSaveOutcomeUnknown(
                    f"{resource}: {exc.reason}; SIASN may have applied the write, check "
                    "rw-jabatan before saving again",
                    f"{resource}: {exc.reason}; SIASN mungkin sudah menyimpan, periksa "
                    "rw-jabatan sebelum menyimpan ulang",
                    status=exc.status,
                ) from exc
            raise SiasnUnavailable(
                f"{resource}: SIASN unavailable after {attempts} attempts ({exc.reason})",
                f"{resource}: SIASN tidak tersedia setelah {attempts} percobaan ({exc.reason})",
                status=exc.status,
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _before_sleep(self, resource: str) -> Callable[[RetryCallState], None]:
        def hook(state: RetryCallState) -> None:
            self.stats["retries"] += 1
            exc = state.outcome.exception() if state.outcome else None
            self._log.info(
                "siasn.retry",
                resource=resource,
                attempt=state.attempt_number,
                reason=getattr(exc, "reason", type(exc).__name__),
                wait_s=round(state.upcoming_sleep, 3),
            )

        return hook

    async def _call(
        self,
        method: str,
        url: str,
        *,
        resource: str,
        sso: bool = True,
        write: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """An authenticated call: both headers (or the APIM one only), re-auth on 401."""
        for attempt in range(self.settings.auth_retries + 1):
            rejected = {"apim": await self._apim_token()}
            headers = {"Authorization": f"Bearer {rejected['apim']}"}
            if sso:
                rejected["sso"] = await self._sso_token()
                headers["Auth"] = f"{self.settings.auth_scheme_word} {rejected['sso']}"
            response = await self._send(
                method, url, resource=resource, write=write, headers=headers, **kwargs
            )
            if response.status_code != 401:
                return response
            body = _json(response)
            which = ""
            if isinstance(body, Mapping) and "fault" in body:
                which = "apim"
            elif isinstance(body, Mapping) and ("Error" in body or "Message" in body):
                which = "sso" if sso else "apim"
            can_retry = self._drop(which, rejected)
            if attempt == self.settings.auth_retries or not can_retry:
                name = {"apim": "APIM", "sso": "SSO"}.get(which, "APIM/SSO")
                hint = (
                    " (the operator-supplied SSO token was rejected: supply a fresh one)"
                    if not can_retry
                    else ""
                )
                raise SiasnAuthError(
                    f"{resource}: SIASN rejected the {name} token{hint}: {_message(body)}",
                    f"{resource}: SIASN menolak token {name}"
                    + (" (token SSO dari operator ditolak: berikan token baru)" if hint else ""),
                    token=which,
                )
            self.stats["reauth"] += 1
            self._log.info("siasn.reauthenticate", resource=resource, token=which or "both")
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, response: httpx.Response, resource: str) -> Any | None:
        """The envelope: `{code: 1, data}` → data; 404 `{code: 0}` → None (empty)."""
        body = _json(response)
        status = response.status_code
        if status == 404 and _is_empty(body):
            return None
        if status != 200:
            raise SiasnProtocolError(
                f"{resource}: unexpected HTTP {status}: {_message(body) or 'no details'}",
                f"{resource}: jawaban HTTP {status} tidak terduga",
                status=status,
            )
        if not isinstance(body, Mapping):
            raise SiasnProtocolError(
                f"{resource}: the answer is not a JSON object",
                f"{resource}: jawaban bukan objek JSON",
                status=status,
            )
        if _is_empty(body):
            return None
        if str(body.get("code", "1")) != "1" or "data" not in body:
            raise SiasnProtocolError(
                f"{resource}: the answer is not a SIASN envelope ({{code: 1, data}})",
                f"{resource}: jawaban tidak berformat amplop SIASN ({{code: 1, data}})",
                status=status,
            )
        return body

    async def get_json(
        self, path: str, *, resource: str, params: Mapping[str, Any] | None = None
    ) -> Any | None:
        """GET a `/apisiasn/1.0` path; the whole envelope, or None for 404-empty."""
        url = self.settings.api_base_url.rstrip("/") + path
        response = await self._call("GET", url, resource=resource, params=params)
        return self._read(response, resource)

    async def _data(self, path: str, resource: str) -> Any | None:
        body = await self.get_json(path, resource=resource)
        return None if body is None else body["data"]

    @staticmethod
    def _nip(nip: str) -> str:
        if not _NIP.match(nip):
            raise ValueError("a NIP has exactly 18 digits")
        return nip

    # -- reads ----------------------------------------------------------------------------

    async def data_utama(self, nip: str) -> SiasnProfile | None:
        data = await self._data(f"/pns/data-utama/{self._nip(nip)}", "data-utama")
        return None if data is None else mapping.profile(data, nip=nip)

    async def rw_jabatan(self, nip: str) -> tuple[SiasnJabatan, ...]:
        return mapping.rw_jabatan(
            await self._data(f"/pns/rw-jabatan/{self._nip(nip)}", "rw-jabatan")
        )

    async def rw_golongan(self, nip: str) -> tuple[SiasnGolongan, ...]:
        return mapping.rw_golongan(
            await self._data(f"/pns/rw-golongan/{self._nip(nip)}", "rw-golongan")
        )

    async def rw_pendidikan(self, nip: str) -> tuple[SiasnPendidikan, ...]:
        return mapping.rw_pendidikan(
            await self._data(f"/pns/rw-pendidikan/{self._nip(nip)}", "rw-pendidikan")
        )

    async def rw_skp22(self, nip: str) -> tuple[SiasnSKP22, ...]:
        return mapping.rw_skp22(await self._data(f"/pns/rw-skp22/{self._nip(nip)}", "rw-skp22"))

    async def rw_potensi(self, nip: str) -> tuple[SiasnPotensi, ...]:
        return mapping.rw_potensi(
            await self._data(f"/pns/rw-potensi/{self._nip(nip)}", "rw-potensi")
        )

    async def rw_kompetensi(self, nip: str) -> tuple[SiasnKompetensi, ...]:
        return mapping.rw_kompetensi(
            await self._data(f"/pns/rw-kompetensi/{self._nip(nip)}", "rw-kompetensi")
        )

    async def rw_hukdis(self, nip: str) -> tuple[SiasnHukdis, ...]:
        return mapping.rw_hukdis(await self._data(f"/pns/rw-hukdis/{self._nip(nip)}", "rw-hukdis"))

    async def rw_diklat(self, nip: str) -> tuple[SiasnDiklat, ...]:
        return mapping.rw_diklat(await self._data(f"/pns/rw-diklat/{self._nip(nip)}", "rw-diklat"))

    async def data_pasangan(self, nip: str) -> tuple[SiasnRelative, ...]:
        return mapping.pasangan(
            await self._data(f"/pns/data-pasangan/{self._nip(nip)}", "data-pasangan")
        )

    async def data_anak(self, nip: str) -> tuple[SiasnRelative, ...]:
        return mapping.anak(await self._data(f"/pns/data-anak/{self._nip(nip)}", "data-anak"))

    async def data_ortu(self, nip: str) -> tuple[SiasnRelative | None, SiasnRelative | None]:
        """(ayah, ibu)."""
        return mapping.ortu(await self._data(f"/pns/data-ortu/{self._nip(nip)}", "data-ortu"))

    async def ref_unor(self) -> tuple[SiasnUnor, ...]:
        """The instansi's whole UNOR tree: the first page gives `count`, the other pages are
        fetched concurrently; a page past the end (404-empty) ends the list."""
        size = self.settings.ref_unor_page_size

        async def page(offset: int) -> tuple[list[Any], int | None]:
            body = await self.get_json(
                "/referensi/ref-unor",
                resource="ref-unor",
                params={"limit": size, "offset": offset},
            )
            if body is None:
                return [], None
            data = body["data"]
            count = body.get("count")
            if isinstance(data, Mapping):
                count = data.get("count", count)
                data = data.get("data")
            if data is None:
                return [], None
            if not isinstance(data, list):
                raise SiasnMalformed(
                    "ref-unor",
                    "data",
                    f"expected a list, got {type(data).__name__}",
                    f"seharusnya daftar, diterima {type(data).__name__}",
                )
            try:
                total = int(count) if count is not None else None
            except (TypeError, ValueError):
                total = None
            return data, total

        first, total = await page(0)
        items = list(first)
        if total is not None:
            offsets = range(size, total, size)
            for rows, _ in await asyncio.gather(*(page(o) for o in offsets)):
                items.extend(rows)
        else:
            offset = size
            while len(first) == size:
                first, _ = await page(offset)
                items.extend(first)
                offset += size
        unors = mapping.ref_unor(items)
        unique = {u.id: u for u in unors}
        return tuple(unique.values())

    async def referensi(self, name: str) -> list[Any]:
        """A `/referensi_siasn/1/{name}` table (APIM token only). Raw rows: reference tables are
        code lists (`id`, `nama`, ...), read by whoever needs them."""
        if not re.fullmatch(r"[a-z-]{2,64}", name):
            raise ValueError(f"not a reference table name: {name!r}")
        url = f"{self.settings.referensi_base_url.rstrip('/')}/{name}"
        response = await self._call("GET", url, resource=f"referensi/{name}", sso=False)
        body = self._read(response, f"referensi/{name}")
        if body is None:
            return []
        data = body["data"]
        return list(data) if isinstance(data, list) else [data]

    # -- writes ---------------------------------------------------------------------------

    async def save_unor_jabatan(self, payload: SiasnUnorJabatanSave | Mapping[str, Any]) -> str:
        """`POST /jabatan/unorjabatan/save`; returns the new `rwJabatanId`.

        Raises SiasnSaveRejected (SIASN said no, including HTTP 200 `success: false`) or
        SiasnSaveOutcomeUnknown (it may have been applied: not retried)."""
        s = self.settings
        body = (
            mapping.unor_jabatan_payload(
                payload,
                instansi_id=s.instansi_id,
                instansi_induk_id=s.instansi_induk_id,
                satuan_kerja_id=s.satuan_kerja_id,
            )
            if isinstance(payload, SiasnUnorJabatanSave)
            else dict(payload)
        )
        url = s.api_base_url.rstrip("/") + "/jabatan/unorjabatan/save"
        resource = "jabatan/unorjabatan/save"
        response = await self._call("POST", url, resource=resource, write=True, json=body)
        answer = _json(response)
        if response.status_code >= 400 or not isinstance(answer, Mapping):
            raise SiasnSaveRejected(
                f"{resource}: refused (HTTP {response.status_code}): "
                f"{_message(answer) or 'no details'}",
                f"{resource}: ditolak (HTTP {response.status_code}): "
                f"{_message(answer) or 'tanpa keterangan'}",
            )
        if answer.get("success") is not True:
            message = str(answer.get("message") or _message(answer) or "no details")
            raise SiasnSaveRejected(
                f"{resource}: SIASN did not save: {message}",
                f"{resource}: SIASN tidak menyimpan: {message}",
            )
        map_data = answer.get("mapData")
        rw_id = map_data.get("rwJabatanId") if isinstance(map_data, Mapping) else None
        if not isinstance(rw_id, str | int) or not str(rw_id).strip():
            raise SiasnProtocolError(
                f"{resource}: saved, but the answer has no mapData.rwJabatanId",
                f"{resource}: tersimpan, tetapi jawaban tidak berisi mapData.rwJabatanId",
                status=response.status_code,
            )
        return str(rw_id).strip()

    async def jabatan_sync(self, pns_orang_id: str) -> None:
        """Ask SIASN to refresh data-utama's current jabatan from rw-jabatan (call after a
        save: data-utama shows the new post only then)."""
        if not _SAFE_ID.match(pns_orang_id):
            raise ValueError("not a SIASN id")
        url = self.settings.api_base_url.rstrip("/") + "/pns/data-utama-jabatansync"
        resource = "data-utama-jabatansync"
        response = await self._call(
            "GET", url, resource=resource, params={"pns_orang_id": pns_orang_id}
        )
        if response.status_code != 200:
            raise SiasnProtocolError(
                f"{resource}: unexpected HTTP {response.status_code}",
                f"{resource}: jawaban HTTP {response.status_code} tidak terduga",
                status=response.status_code,
            )

    # -- snapshots ------------------------------------------------------------------------

    async def snapshot_for(self, nip: str) -> SiasnSnapshot | SiasnFailure:
        """Read everything SIASN holds on one NIP, concurrently. Either a complete snapshot
        or a failure with the reason: never a partial one."""
        nip = nip.strip()
        if not _NIP.match(nip):
            return SiasnFailure(
                nip=nip,
                kind="invalid_nip",
                reason="a NIP has exactly 18 digits",
                alasan="NIP harus terdiri dari tepat 18 angka",
            )
        parts: Sequence[tuple[str, Callable[[str], Awaitable[Any]]]] = (
            ("data-utama", self.data_utama),
            ("rw-jabatan", self.rw_jabatan),
            ("rw-golongan", self.rw_golongan),
            ("rw-pendidikan", self.rw_pendidikan),
            ("rw-skp22", self.rw_skp22),
            ("rw-potensi", self.rw_potensi),
            ("rw-kompetensi", self.rw_kompetensi),
            ("rw-hukdis", self.rw_hukdis),
            ("rw-diklat", self.rw_diklat),
            ("data-pasangan", self.data_pasangan),
            ("data-anak", self.data_anak),
            ("data-ortu", self.data_ortu),
        )
        results = await asyncio.gather(*(fetch(nip) for _, fetch in parts), return_exceptions=True)
        for (resource, _), result in zip(parts, results, strict=True):
            if isinstance(result, SiasnError):
                return SiasnFailure(
                    nip=nip,
                    kind=result.kind,
                    reason=result.reason,
                    alasan=result.alasan,
                    resource=resource,
                )
            if isinstance(result, BaseException):
                raise result
        values: list[Any] = list(results)
        (profile, jabatan, golongan, pendidikan, skp22, potensi, kompetensi, hukdis, diklat,
         pasangan, anak, (ayah, ibu)) = values  # fmt: skip
        if profile is None:
            return SiasnFailure(
                nip=nip,
                kind="not_found",
                reason="SIASN has no employee with this NIP",
                alasan="NIP tidak ditemukan di SIASN",
                resource="data-utama",
            )
        return SiasnSnapshot(
            nip=nip,
            fetched_at=datetime.now(UTC),
            profile=profile,
            jabatan=jabatan,
            golongan=golongan,
            pendidikan=pendidikan,
            skp22=skp22,
            potensi=potensi,
            kompetensi=kompetensi,
            hukdis=hukdis,
            diklat=diklat,
            family=SiasnFamily(pasangan=pasangan, anak=anak, ayah=ayah, ibu=ibu),
        )

    async def snapshots(
        self,
        nips: Sequence[str],
        *,
        on_result: Callable[[SiasnSnapshot | SiasnFailure], Any],
        stop_on_auth: bool = True,
    ) -> list[str]:
        """Snapshot many NIPs; at most `max_concurrency` NIPs are in progress at once (the
        request semaphore bounds the calls). `on_result` is called as each one finishes.

        When SIASN refuses the credentials (an `auth` failure) every further NIP would fail
        the same way: with `stop_on_auth` no new NIP is started. Returns the NIPs that were
        not attempted (empty unless stopped)."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        for nip in nips:
            queue.put_nowait(nip)
        stopped = False

        async def worker() -> None:
            nonlocal stopped
            while not stopped:
                try:
                    nip = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                result = await self.snapshot_for(nip)
                if stop_on_auth and isinstance(result, SiasnFailure) and result.kind == "auth":
                    stopped = True
                outcome = on_result(result)
                if asyncio.iscoroutine(outcome):
                    await outcome

        workers = max(1, min(len(nips), self.settings.max_concurrency))
        await asyncio.gather(*(worker() for _ in range(workers)))
        remaining = []
        while not queue.empty():
            remaining.append(queue.get_nowait())
        return remaining


__all__ = ["SiasnClient", "parse_retry_after"]
