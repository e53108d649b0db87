"""Role sets and small helpers shared by the formasi routers."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.datastructures import UploadFile

from tatamutasi_formasi.domain import tree
from tatamutasi_formasi.service import units
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.errors import Invalid
from tatamutasi_platform.http import form_digest, require_roles

READERS = ("admin", "operator", "penilai", "ppk", "auditor", "integration")
CATALOGUE_READERS = (*READERS, "pegawai")

Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
CatalogueReader = Annotated[Principal, Depends(require_roles(*CATALOGUE_READERS))]
NeedWriter = Annotated[Principal, Depends(require_roles("admin", "operator"))]


def today() -> date:
    return utcnow().date()


def json_response(
    model_json: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(model_json, status_code=status, media_type="application/json", headers=headers)


async def may_act_for(conn: AsyncConnection, principal: Principal, unit_id: str) -> bool:
    """Admins act everywhere; operators for their units and everything under them."""
    if "admin" in principal.roles:
        return True
    if "operator" not in principal.roles:
        return False
    snap = await units.latest_all(conn)
    try:
        chain = {unit_id, *tree.ancestors(unit_id, {k: v.parent_id for k, v in snap.items()})}
    except tree.TreeError:
        chain = {unit_id}
    return bool(chain & principal.units)


def operator_scope(principal: Principal) -> frozenset[str] | None:
    """The units an operator is limited to (None: no limit)."""
    return principal.units if principal.acting_role == "operator" else None


MULTIPART_XLSX = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "An .xlsx made from the template",
                        }
                    },
                }
            }
        },
    }
}


async def read_upload(request: Request) -> bytes:
    """The uploaded file. The form is hashed before its files close, for `Idempotency-Key`."""
    await form_digest(request)
    async with request.form() as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise Invalid(
                "Send the workbook as multipart/form-data field 'file'",
                "Kirim buku kerja sebagai kolom 'file' multipart/form-data",
                field="file",
            )
        return await file.read()
