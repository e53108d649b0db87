"""Indonesian (and English) formats: numbers "1.234,5", dates dd-mm-yyyy."""

from datetime import date, datetime
from typing import Any


def number(value: Any, lang: str = "id", decimals: int = 0) -> str:
    """`1234.5` → "1.234,5" (id) or "1,234.5" (en); None → "–"."""
    if value is None or value == "":
        return "–"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{x:,.{decimals}f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def percent(value: Any, lang: str = "id", decimals: int = 1) -> str:
    if value is None:
        return "–"
    return number(float(value) * 100, lang, decimals) + "%"


def _parse(value: Any) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def day(value: Any) -> str:
    """ISO date or datetime → "dd-mm-yyyy" (the same in both languages, as BKD writes it)."""
    parsed = _parse(value)
    if parsed is None:
        return "–" if value in (None, "") else str(value)
    return parsed.strftime("%d-%m-%Y")


def moment(value: Any) -> str:
    """ISO datetime → "dd-mm-yyyy HH:MM" (UTC as given)."""
    parsed = _parse(value)
    if parsed is None:
        return "–" if value in (None, "") else str(value)
    if isinstance(parsed, datetime):
        return parsed.strftime("%d-%m-%Y %H:%M")
    return parsed.strftime("%d-%m-%Y")


def parse_day(text: str) -> date | None:
    """Accept "dd-mm-yyyy" (what users type) or ISO "yyyy-mm-dd" (date inputs)."""
    text = (text or "").strip()
    if not text:
        return None
    for sep in ("-", "/"):
        parts = text.split(sep)
        if len(parts) == 3 and len(parts[0]) <= 2 and len(parts[2]) == 4:
            try:
                return date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
