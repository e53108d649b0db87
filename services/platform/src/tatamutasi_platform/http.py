"""HTTP helpers shared by routers: auth dependencies, ETag/If-Match, Idempotency-Key and
opaque cursors for stable pagination."""

import base64
import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tatamutasi_platform.auth import AuthError, Principal
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.runtime import Runtime, Transaction


# The dependencies below are `async def` on purpose: FastAPI runs a plain `def` dependency in
# its thread pool, and these three run on every request (a thread hop each cost more CPU than
# the rest of a short request). They do no blocking I/O; a JWKS look-up does, so it alone is
# sent to the thread pool.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
_bearer = HTTPBearer(
    auto_error=False,
    description="JWT from the identity provider (development: `tatamutasi token --role admin`)",
)


def _unauthorized(en: str, id_: str, code: str = "unauthorized") -> Problem:
    return Problem(
        401, code, "Unauthorized", en, id_, headers={"WWW-Authenticate": f'Bearer error="{code}"'}
    )


async def authenticate(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("A bearer token is required", "Token bearer wajib disertakan")
    try:
        if runtime.settings.auth_jwks_url:  # may fetch the key set over the network
            return await run_in_threadpool(runtime.verifier.verify, credentials.credentials)
        return runtime.verifier.verify(credentials.credentials)
    except AuthError as exc:
        raise _unauthorized(exc.message_en, exc.message_id, exc.code) from None


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller must hold one of `roles`; returns the principal acting in the
    first of those roles it holds (that role goes into the events it causes)."""

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has_any(roles):
            raise Problem(
                403,
                "forbidden-role",
                "Forbidden",
                f"This needs one of the roles: {', '.join(roles)}",
                f"Tindakan ini memerlukan salah satu peran: {', '.join(roles)}",
                extra={"required_roles": list(roles)},
            )
        return principal.acting_as(roles)

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency


# -- ETag / If-Match --------------------------------------------------------------------
def etag(version: int) -> str:
    return f'"v{version}"'


def check_if_match(request: Request, current_version: int, *, required: bool = True) -> None:
    header = request.headers.get("if-match")
    if header is None:
        if required:
            raise Problem(
                428,
                "precondition-required",
                "Precondition Required",
                "Send If-Match with the ETag you read, so that concurrent edits "
                "cannot overwrite each other",
                "Sertakan If-Match berisi ETag yang Anda baca agar perubahan "
                "bersamaan tidak saling menimpa",
            )
        return
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    if "*" not in tags and etag(current_version) not in tags:
        raise Problem(
            412,
            "precondition-failed",
            "Precondition Failed",
            "The resource changed since you read it; read it again and retry",
            "Data sudah berubah sejak Anda membacanya; muat ulang lalu coba lagi",
            extra={"current_etag": etag(current_version)},
        )


SQL_INT_MAX = 2**63 - 1
"""The largest integer every database here stores: the upper bound of integer query
parameters that reach SQL (a larger one is a 422, not an OverflowError)."""


# -- cursors ----------------------------------------------------------------------------
def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError
        return values
    except (ValueError, orjson.JSONDecodeError):
        raise Problem(
            400,
            "invalid-cursor",
            "Bad Request",
            "The cursor is not one this service issued",
            "Kursor tidak dikenali; gunakan kursor dari halaman sebelumnya",
            extra={
                "errors": [
                    {
                        "field": "cursor",
                        "location": "query",
                        "code": "invalid_cursor",
                        "message_en": "Unknown cursor",
                        "message_id": "Kursor tidak dikenal",
                    }
                ]
            },
        ) from None


# -- Idempotency-Key ----------------------------------------------------------------------
IDEMPOTENCY_TTL = timedelta(hours=24)


async def _request_hash(request: Request) -> str:
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(request.url.path.encode())
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        h.update((await form_digest(request)).encode())
    else:
        h.update(await request.body())
    return h.hexdigest()


async def form_digest(request: Request) -> str:
    """SHA-256 of a multipart form by its fields and file contents, not its raw bytes: a
    client's retry draws a new boundary, and the form parser has already consumed the stream
    (Starlette caches the parsed form on the request). An endpoint that closes the form's files
    before `idempotent` runs calls this first; the digest is kept on the request."""
    cached: str | None = getattr(request.state, "form_sha256", None)
    if cached is None:
        h = hashlib.sha256()
        await _hash_form(h, request)
        cached = request.state.form_sha256 = h.hexdigest()
    return cached


async def _hash_form(h: Any, request: Request) -> None:
    form = await request.form()
    for name, value in form.multi_items():
        h.update(name.encode() + b"\0")
        if isinstance(value, UploadFile):
            h.update((value.filename or "").encode() + b"\0")
            position = value.file.tell()
            value.file.seek(0)
            while chunk := value.file.read(1 << 20):
                h.update(chunk)
            value.file.seek(position)
        else:
            h.update(value.encode())
        h.update(b"\1")


def _key_problem(en: str, id_: str) -> Problem:
    return Problem(
        422,
        "idempotency-key-reused",
        "Unprocessable Content",
        en,
        id_,
        extra={
            "errors": [
                {
                    "field": "Idempotency-Key",
                    "location": "header",
                    "code": "idempotency_key_reused",
                    "message_en": en,
                    "message_id": id_,
                }
            ]
        },
    )


async def _stored(
    runtime: Runtime, principal: Principal, key: str, request_hash: str
) -> Response | None:
    t = runtime.tables.idempotency_keys
    async with runtime.engine.connect() as conn:
        row = (
            await conn.execute(sa.select(t).where(t.c.principal == principal.sub, t.c.key == key))
        ).first()
    if row is None or as_utc(row.created_at) < _cutoff():
        return None
    if row.request_hash != request_hash:
        raise _key_problem(
            "This Idempotency-Key was used for a different request",
            "Idempotency-Key ini sudah dipakai untuk permintaan lain",
        )
    headers = orjson.loads(row.headers)
    headers["Idempotent-Replayed"] = "true"
    return Response(
        row.body,
        status_code=row.status_code,
        headers=headers,
        media_type=headers.pop("content-type", "application/json"),
    )


def _cutoff() -> datetime:
    return utcnow() - IDEMPOTENCY_TTL


async def idempotent(
    request: Request,
    runtime: Runtime,
    principal: Principal,
    work: Callable[[Transaction], Awaitable[Response]],
) -> Response:
    """Run `work` in a unit of work. With an `Idempotency-Key` header, the response is stored
    in the same transaction; a retry with the same key and body gets the stored response and
    changes nothing; the same key with another body is a 422."""
    key = request.headers.get("idempotency-key")
    traceparent = getattr(request.state, "traceparent", None)
    if key is None:
        async with runtime.transaction(principal.actor, traceparent) as tx:
            return await work(tx)
    if not 1 <= len(key) <= 200:
        raise _key_problem(
            "Idempotency-Key must have 1 to 200 characters",
            "Idempotency-Key harus 1 sampai 200 karakter",
        )
    rhash = await _request_hash(request)
    replay = await _stored(runtime, principal, key, rhash)
    if replay is not None:
        return replay
    t = runtime.tables.idempotency_keys
    try:
        async with runtime.transaction(principal.actor, traceparent) as tx:
            response = await work(tx)
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            await tx.conn.execute(
                sa.delete(t).where(t.c.principal == principal.sub, t.c.key == key)
            )
            await tx.conn.execute(
                t.insert().values(
                    principal=principal.sub,
                    key=key,
                    request_hash=rhash,
                    status_code=response.status_code,
                    headers=orjson.dumps(headers).decode(),
                    body=bytes(response.body).decode(),
                    created_at=utcnow(),
                )
            )
        return response
    except IntegrityError:
        replay = await _stored(runtime, principal, key, rhash)
        if replay is None:
            raise
        return replay
