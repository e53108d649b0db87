"""RFC 9457 problem details for every error, in Indonesian and English.

`detail` is in the language the client prefers (Accept-Language; Indonesian by default);
`detail_id` and `detail_en` always carry both. Validation errors list every field with a
machine code and a message in both languages."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tatamutasi_platform.errors import DomainError
from tatamutasi_platform.unavailable import database_unavailable, sqlstate

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:tatamutasi:problem:"


class Problem(Exception):
    """Raise anywhere in a request to answer with problem+json."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail_en: str,
        detail_id: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail_en)
        self.status = status
        self.code = code
        self.title = title
        self.detail_en = detail_en
        self.detail_id = detail_id
        self.extra = extra or {}
        self.headers = headers or {}


def not_found(what_en: str, what_id: str, ident: str) -> Problem:
    return Problem(
        404,
        "not-found",
        "Not Found",
        f"{what_en} {ident!r} does not exist",
        f"{what_id} {ident!r} tidak ditemukan",
        extra={"resource_id": ident},
    )


def conflict(code: str, detail_en: str, detail_id: str, **extra: Any) -> Problem:
    return Problem(409, code, "Conflict", detail_en, detail_id, extra=extra)


def field_error(field: str, code: str, en: str, id_: str, status: int = 422) -> Problem:
    """A single field-level error shaped like request validation errors."""
    return Problem(
        status,
        "validation-error",
        "Unprocessable Content",
        f"Field '{field}': {en}",
        f"Kolom '{field}': {id_}",
        extra={
            "errors": [
                {
                    "field": field,
                    "location": "body",
                    "code": code,
                    "message_en": en,
                    "message_id": id_,
                }
            ]
        },
    )


def prefers_english(request: Request) -> bool:
    """Accept-Language negotiation between Indonesian (default) and English (RFC 9110
    §12.5.4: q=0 means "not acceptable"; whitespace around parameters is allowed)."""
    best: tuple[float, str] = (0.0, "id")
    for part in request.headers.get("accept-language", "").split(","):
        lang, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        tag = lang.lower()[:2]
        if tag in ("en", "id") and weight > best[0]:
            best = (weight, tag)
    return best[1] == "en"


def problem_body(request: Request, p: Problem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + p.code,
        "title": p.title,
        "status": p.status,
        "detail": p.detail_en if prefers_english(request) else p.detail_id,
        "detail_en": p.detail_en,
        "detail_id": p.detail_id,
        "instance": request.url.path,
    }
    rid = getattr(request.state, "request_id", None)
    if rid:
        body["request_id"] = rid
    body.update(p.extra)
    return body


def problem_response(request: Request, p: Problem) -> JSONResponse:
    return JSONResponse(
        problem_body(request, p), status_code=p.status, media_type=PROBLEM_JSON, headers=p.headers
    )


# -- validation messages ---------------------------------------------------------------
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("This field is required", "Kolom ini wajib diisi"),
    "string_type": ("Must be text", "Harus berupa teks"),
    "string_too_short": (
        "Must have at least {min_length} characters",
        "Minimal {min_length} karakter",
    ),
    "string_too_long": (
        "Must have at most {max_length} characters",
        "Maksimal {max_length} karakter",
    ),
    "string_pattern_mismatch": ("Has the wrong format", "Formatnya tidak sesuai"),
    "int_type": ("Must be a whole number", "Harus berupa bilangan bulat"),
    "int_parsing": ("Must be a whole number", "Harus berupa bilangan bulat"),
    "int_from_float": ("Must be a whole number", "Harus berupa bilangan bulat"),
    "float_parsing": ("Must be a number", "Harus berupa angka"),
    "float_type": ("Must be a number", "Harus berupa angka"),
    "bool_parsing": ("Must be true or false", "Harus bernilai true atau false"),
    "bool_type": ("Must be true or false", "Harus bernilai true atau false"),
    "date_parsing": ("Must be a date (YYYY-MM-DD)", "Harus berupa tanggal (YYYY-MM-DD)"),
    "date_from_datetime_parsing": (
        "Must be a date (YYYY-MM-DD)",
        "Harus berupa tanggal (YYYY-MM-DD)",
    ),
    "date_type": ("Must be a date (YYYY-MM-DD)", "Harus berupa tanggal (YYYY-MM-DD)"),
    "datetime_parsing": (
        "Must be a date and time (RFC 3339)",
        "Harus berupa tanggal dan waktu (RFC 3339)",
    ),
    "datetime_type": (
        "Must be a date and time (RFC 3339)",
        "Harus berupa tanggal dan waktu (RFC 3339)",
    ),
    "enum": ("Must be one of: {expected}", "Harus salah satu dari: {expected}"),
    "literal_error": ("Must be one of: {expected}", "Harus salah satu dari: {expected}"),
    "greater_than": ("Must be greater than {gt}", "Harus lebih besar dari {gt}"),
    "greater_than_equal": ("Must be at least {ge}", "Minimal {ge}"),
    "less_than": ("Must be less than {lt}", "Harus lebih kecil dari {lt}"),
    "less_than_equal": ("Must be at most {le}", "Maksimal {le}"),
    "too_short": ("Must have at least {min_length} items", "Minimal {min_length} butir"),
    "too_long": ("Must have at most {max_length} items", "Maksimal {max_length} butir"),
    "json_invalid": ("The body is not valid JSON", "Isi permintaan bukan JSON yang sah"),
    "json_type": ("The body must be JSON", "Isi permintaan harus JSON"),
    "model_attributes_type": ("Must be an object", "Harus berupa objek"),
    "dict_type": ("Must be an object", "Harus berupa objek"),
    "list_type": ("Must be a list", "Harus berupa daftar"),
    "extra_forbidden": ("Unknown field", "Kolom tidak dikenal"),
    "uuid_parsing": ("Must be a UUID", "Harus berupa UUID"),
}


def _field_name(loc: tuple[Any, ...]) -> tuple[str, str]:
    location = str(loc[0]) if loc else "body"
    out = ""
    for part in loc[1:]:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return location, out or location


def describe_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    for e in errors:
        location, field = _field_name(tuple(e.get("loc", ())))
        code = str(e.get("type", "value_error"))
        ctx = {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, str | int | float)}
        if "message_id" in ctx:  # our own PydanticCustomError with an Indonesian message
            en, id_ = str(e.get("msg")), str(ctx["message_id"])
        elif code in _MESSAGES:
            en_t, id_t = _MESSAGES[code]
            try:
                en, id_ = en_t.format(**ctx), id_t.format(**ctx)
            except (KeyError, IndexError):
                en, id_ = en_t, id_t
        else:
            msg = str(e.get("msg", "Invalid value"))
            en, id_ = msg, f"Nilai tidak sah: {msg}"
        items.append(
            {
                "field": field,
                "location": location,
                "code": code,
                "message_en": en,
                "message_id": id_,
            }
        )
    return items


def validation_problem(errors: list[dict[str, Any]]) -> Problem:
    items = describe_errors(errors)
    fields = ", ".join(i["field"] for i in items[:10])
    return Problem(
        422,
        "validation-error",
        "Unprocessable Content",
        f"The request has {len(items)} invalid field(s): {fields}",
        f"Permintaan memiliki {len(items)} kolom yang tidak sah: {fields}",
        extra={"errors": items},
    )


_HTTP_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "The request is malformed", "Permintaan tidak dapat dipahami"),
    401: ("unauthorized", "Authentication is required", "Autentikasi diperlukan"),
    403: ("forbidden", "You may not do this", "Anda tidak berwenang melakukan ini"),
    404: ("not-found", "No such resource", "Sumber daya tidak ditemukan"),
    405: (
        "method-not-allowed",
        "This method is not allowed here",
        "Metode ini tidak diizinkan di sini",
    ),
    406: (
        "not-acceptable",
        "Cannot produce the requested media type",
        "Tidak dapat menghasilkan format yang diminta",
    ),
    409: (
        "conflict",
        "The request conflicts with the current state",
        "Permintaan bertentangan dengan keadaan saat ini",
    ),
    412: (
        "precondition-failed",
        "The resource changed since you read it",
        "Data sudah berubah sejak Anda membacanya",
    ),
    413: ("payload-too-large", "The request body is too large", "Isi permintaan terlalu besar"),
    415: ("unsupported-media-type", "Unsupported media type", "Format isi tidak didukung"),
    428: (
        "precondition-required",
        "An If-Match header is required",
        "Header If-Match wajib disertakan",
    ),
    429: ("too-many-requests", "Too many requests", "Terlalu banyak permintaan"),
}


def from_domain(exc: DomainError) -> Problem:
    extra: dict[str, Any] = dict(exc.extra)
    if exc.field is not None:
        extra["errors"] = [
            {
                "field": exc.field,
                "location": "body",
                "code": exc.code,
                "message_en": exc.message_en,
                "message_id": exc.message_id,
            }
        ]
    return Problem(exc.status, exc.code, exc.title, exc.message_en, exc.message_id, extra=extra)


def database_unavailable_problem() -> Problem:
    """503 for a database that is down or refuses writes for now: retry later (with the same
    Idempotency-Key); nothing was written."""
    return Problem(
        503,
        "database-unavailable",
        "Service Unavailable",
        "The database is unavailable or refuses writes for now; nothing was saved. "
        "Retry later with the same Idempotency-Key",
        "Basis data sedang tidak tersedia atau menolak penulisan; tidak ada yang tersimpan. "
        "Coba lagi nanti dengan Idempotency-Key yang sama",
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(request, from_domain(exc))

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, validation_problem(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, en, id_ = _HTTP_TEXT.get(
            exc.status_code, ("http-error", str(exc.detail), str(exc.detail))
        )
        if exc.status_code == 404 and exc.detail != "Not Found":
            en = str(exc.detail)
        title = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, code)
        p = Problem(
            exc.status_code,
            code,
            title.replace("-", " ").title(),
            en,
            id_,
            headers=dict(exc.headers or {}),
        )
        return problem_response(request, p)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning("database unavailable", error_type=type(exc).__name__, sqlstate=sqlstate(exc))
        return problem_response(request, database_unavailable_problem())

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", error_type=type(exc).__name__)
        p = Problem(
            500,
            "internal-error",
            "Internal Server Error",
            "Something went wrong on our side; the request id helps us find it",
            "Terjadi kesalahan di sisi server; sertakan request id saat melapor",
        )
        return problem_response(request, p)
