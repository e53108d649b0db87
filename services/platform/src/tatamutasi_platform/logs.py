"""Structured JSON logs with request ids. A redaction step keeps personal data out: known
personal keys are dropped and NIK/NIP-shaped digit runs are masked (NIPs embed birth dates)."""

import hashlib
import logging
import re
import sys
from typing import Any

import structlog

PERSONAL_KEYS = frozenset(
    {
        "nik",
        "birth_date",
        "tgl_lahir",
        "tanggal_lahir",
        "birth_place",
        "tempat_lahir",
        "address",
        "alamat",
        "phone",
        "no_hp",
        "nomor_hp",
        "family",
        "keluarga",
        "spouse",
        "children",
        "parents",
        "password",
        "token",
        "authorization",
        "secret",
    }
)
_DIGITS = re.compile(r"(?<!\d)(\d{16}|\d{18})(?!\d)")


def _mask(match: re.Match[str]) -> str:
    digits = match.group(1)
    if len(digits) == 16:
        return "[NIK]"
    return "NIP#" + hashlib.sha256(digits.encode()).hexdigest()[:10]


def mask_text(text: str) -> str:
    return _DIGITS.sub(_mask, text)


def redact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if key.lower() in PERSONAL_KEYS:
            event[key] = "[redacted]"
        elif isinstance(event[key], str):
            event[key] = mask_text(event[key])
    return event


def configure_logging(level: str = "INFO", *, json: bool = True, service: str = "") -> None:
    """JSON lines on stdout for our logs and for every library that uses stdlib logging
    (uvicorn, aiokafka, alembic), all through the same redaction step."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        lib = logging.getLogger(name)
        lib.handlers = []
        lib.propagate = True
    # Quiet libraries that would log message contents, SQL parameters (personal data) or
    # connection chatter, whatever the level asked for.
    for name in (
        "aiokafka",
        "kafka",
        "sqlalchemy.engine",
        "aiosqlite",
        "asyncpg",
        "uvicorn.access",
    ):
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    if service:
        structlog.contextvars.bind_contextvars(service=service)
