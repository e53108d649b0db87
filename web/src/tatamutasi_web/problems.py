"""API problem details (RFC 9457) → what the page shows: one human message in the user's
language and, per form field, the message to put next to that field."""

from dataclasses import dataclass, field
from typing import Any

from tatamutasi_web.i18n import t


@dataclass
class ShownProblem:
    status: int
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)


def _pick(item: dict[str, Any], lang: str, id_key: str, en_key: str, fallback: str) -> str:
    first, second = (en_key, id_key) if lang == "en" else (id_key, en_key)
    return str(item.get(first) or item.get(second) or item.get(fallback) or "")


def field_key(name: str) -> str:
    """`body.weights.competence` / `query.nip` / `nip` → the form field name `weights.competence`
    / `nip` (location prefixes are dropped)."""
    for prefix in ("body.", "query.", "path.", "header.", "form."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def show_problem(status: int, body: Any, lang: str) -> ShownProblem:
    """Map a problem+json body (or anything else an API answered) to messages."""
    if not isinstance(body, dict):
        return ShownProblem(status, t("error.unexpected", lang, status=status))
    message = _pick(body, lang, "detail_id", "detail_en", "detail") or str(body.get("title") or "")
    if not message:
        message = t("error.unexpected", lang, status=status)
    fields: dict[str, str] = {}
    for err in body.get("errors") or []:
        if not isinstance(err, dict):
            continue
        name = field_key(str(err.get("field") or ""))
        text = _pick(err, lang, "message_id", "message_en", "message") or _pick(
            err, lang, "reason", "reason_en", "detail"
        )
        if name and text and name not in fields:
            fields[name] = text
    rows = [r for r in body.get("errors") or [] if isinstance(r, dict) and "row" in r]
    if status == 401:
        message = t("error.unauthorized", lang)
    elif status == 403 and not fields:
        message = f"{t('error.forbidden', lang)} {message}".strip()
    return ShownProblem(status, message, fields, [row_error(r, lang) for r in rows])


def row_error(item: dict[str, Any], lang: str) -> dict[str, Any]:
    """An import row error (`row`, `column`, `reason`, `reason_en`) in the user's language."""
    reason = item.get("reason_en") if lang == "en" else item.get("reason")
    return {
        "row": item.get("row"),
        "column": item.get("column") or item.get("field") or "",
        "reason": reason or item.get("reason") or item.get("message_id") or "",
    }
