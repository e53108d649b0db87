"""Who may see and change what (shared by the routers)."""

from typing import Annotated

from fastapi import Depends, Path

from tatamutasi_pegawai.adapters.reference_files import load_reference
from tatamutasi_pegawai.domain.reference import ReferenceTables
from tatamutasi_pegawai.service.registry import PegawaiView
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.errors import Forbidden
from tatamutasi_platform.http import RuntimeDep

READERS = ("admin", "operator", "penilai", "ppk", "auditor", "integration", "pegawai")
EDITORS = ("admin", "operator")
NipPath = Annotated[str, Path(pattern=r"^[0-9]{18}$", description="NIP or NI PPPK")]


def reference(runtime: RuntimeDep) -> ReferenceTables:
    ref = runtime.extras.get("reference")
    if ref is None:
        ref = load_reference(getattr(runtime.settings, "reference_path", None))
        runtime.extras["reference"] = ref
    return ref  # type: ignore[no-any-return]


ReferenceDep = Annotated[ReferenceTables, Depends(reference)]


def is_self(principal: Principal, nip: str) -> bool:
    return principal.acting_role == "pegawai" and principal.nip == nip


def sees_personal(principal: Principal, nip: str) -> bool:
    """NIK, birth data, address, phone and family: admin and the employee themself."""
    return principal.acting_role == "admin" or is_self(principal, nip)


def check_unit(principal: Principal, unor_id: str, field: str = "unor_id") -> None:
    if not principal.may_act_for_unit(unor_id):
        raise Forbidden(
            f"Operators may act only for their own units; {unor_id!r} is not one",
            f"Operator hanya boleh bertindak untuk unitnya; {unor_id!r} bukan unit Anda",
            field=field,
        )


def check_read(principal: Principal, view: PegawaiView) -> None:
    if principal.acting_role == "pegawai" and principal.nip != view.nip:
        raise Forbidden(
            "Employees may read only their own record",
            "Pegawai hanya boleh melihat datanya sendiri",
        )
    if principal.acting_role == "operator" and not principal.may_act_for_unit(view.unor_id):
        raise Forbidden(
            "This employee is outside your units", "Pegawai ini berada di luar unit Anda"
        )


def check_personal(principal: Principal, nip: str) -> None:
    if not sees_personal(principal, nip):
        raise Forbidden(
            "Family and personal data are only for admin and the employee themself",
            "Data keluarga dan data pribadi hanya untuk admin dan pegawai yang bersangkutan",
        )
