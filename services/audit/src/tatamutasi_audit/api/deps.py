"""Dependencies of the audit routers: who may read, the ledger's keys, query errors."""

from typing import Annotated

from fastapi import Depends

from tatamutasi_audit.service.keys import LedgerKeys, load_keys
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


def bad_query(field: str, en: str, id_: str, status: int = 422) -> Problem:
    return Problem(
        status,
        "validation-error" if status == 422 else "not-found",
        "Unprocessable Content" if status == 422 else "Not Found",
        en,
        id_,
        extra={
            "errors": [
                {
                    "field": field,
                    "location": "query",
                    "code": "out_of_range" if status == 422 else "not_found",
                    "message_en": en,
                    "message_id": id_,
                }
            ]
        },
    )
