"""Dependencies of the audit routers: who may read, the ledger's keys, query errors."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends

from tatamutasi_audit.service.keys import LedgerKeys, load_keys
from tatamutasi_audit.service.ledger import LedgerCorrupt
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep, require_roles
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.runtime import Runtime

READERS = ("auditor", "integration", "admin")
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
# the NIP -> pseudonym index is for auditors (and admins), not for integrations
PersonReader = Annotated[Principal, Depends(require_roles("auditor", "admin"))]


def ledger_keys(runtime: Runtime) -> LedgerKeys:
    """The keys, loaded once per runtime (at start by the app's hook)."""
    keys = runtime.extras.get("ledger_keys")
    if not isinstance(keys, LedgerKeys):
        settings = runtime.settings
        assert isinstance(settings, AuditSettings)
        keys = load_keys(settings)
        runtime.extras["ledger_keys"] = keys
    return keys


def get_keys(runtime: RuntimeDep) -> LedgerKeys:
    return ledger_keys(runtime)


KeysDep = Annotated[LedgerKeys, Depends(get_keys)]


_KINDS = {
    422: ("validation-error", "Unprocessable Content", "out_of_range"),
    404: ("not-found", "Not Found", "not_found"),
    400: ("bad-request", "Bad Request", "invalid"),
}


def bad_query(
    field: str, en: str, id_: str, status: int = 422, *, problem_type: str | None = None
) -> Problem:
    """A problem about one query parameter (both languages, the field named)."""
    kind, title, code = _KINDS[status]
    return Problem(
        status,
        problem_type or kind,
        title,
        en,
        id_,
        extra={
            "errors": [
                {
                    "field": field,
                    "location": "query",
                    "code": code,
                    "message_en": en,
                    "message_id": id_,
                }
            ]
        },
    )


@contextmanager
def corrupt_as_problem() -> Iterator[None]:
    """A hash the tree needs is missing from storage: a 500 problem that says so (the
    self-check, `GET /ledger/verify`, tells where)."""
    try:
        yield
    except LedgerCorrupt as exc:
        raise Problem(
            500,
            "ledger-corrupt",
            "Internal Server Error",
            f"The stored ledger is damaged: {exc}",
            f"Ledger yang tersimpan rusak: {exc}",
        ) from None
