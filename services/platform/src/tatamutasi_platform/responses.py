"""OpenAPI declarations of the problem+json answers a route can give, so the checked-in
documents list every status a client may meet (the API fuzz tests hold them to it).

    router = APIRouter(prefix="/units", responses=problem_responses(400, 404, 409, 412, 428))

401, 403 and 422 are declared once for every route by the app factory."""

from typing import Any

_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed cursor or parameter (problem+json)",
    404: "No such resource (problem+json)",
    409: "Conflicts with the current state (problem+json)",
    412: "If-Match names an older version; read again (problem+json)",
    413: "Request body too large (problem+json)",
    428: "If-Match is required (problem+json)",
    502: "A service this one depends on cannot be reached (problem+json)",
    503: "Temporarily unavailable; retry later (problem+json)",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for the given problem statuses."""
    return {status: {"description": _DESCRIPTIONS[status]} for status in statuses}
