"""Structured JSON logs with request ids. A redaction step keeps personal data out: known
personal keys are dropped and NIK/NIP-shaped digit runs are masked (NIPs embed birth dates)."""

import hashlib
import logging
import re
import sys
from typing import Any

import structlog

PERSONAL_KEYS = frozenset({
    "nik", "birth_date", "tgl_lahir", "tanggal_lahir", "birth_place", "tempat_lahir",
    "address", "alamat", "phone", "no_hp", "nomor_hp", "family", "keluarga", "spouse",
    "children", "parents", "password", "token", "authorization", "secret",
})
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
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    renderer: Any = (structlog.processors.JSONRenderer() if json
                     else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
    if service:
        structlog.contextvars.bind_contextvars(service=service)
    # Quiet libraries that would log message contents or connection chatter at INFO.
    for name in ("aiokafka", "kafka", "sqlalchemy.engine", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
