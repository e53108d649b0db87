"""Reconciliation: the bezetting read model against the pegawai service's current data
(`GET /pegawai`, read page by page over HTTP). Lists every difference; changes nothing."""

from dataclasses import dataclass
from typing import Any

import httpx

from tatamutasi_formasi.service.bezetting import HolderView
from tatamutasi_platform.errors import DomainError


class RegistryUnavailable(DomainError):
    status = 502
    code = "registry-unavailable"
    title = "Bad Gateway"


@dataclass(frozen=True)
class Difference:
    nip: str
    kind: str
    registry_unor_id: str | None = None
    registry_jabatan_id: str | None = None
    bezetting_unor_id: str | None = None
    bezetting_jabatan_id: str | None = None


async def fetch_registry(
    client: httpx.AsyncClient, authorization: str
) -> dict[str, tuple[str, str]]:
    """Every employee the registry counts as placed: NIP -> (unor_id, jabatan_id)."""
    out: dict[str, tuple[str, str]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        try:
            r = await client.get(
                "/pegawai", params=params, headers={"Authorization": authorization}
            )
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(
                f"The pegawai service cannot be reached ({type(exc).__name__})",
                f"Layanan pegawai tidak dapat dihubungi ({type(exc).__name__})",
            ) from None
        if r.status_code != 200:
            raise RegistryUnavailable(
                f"The pegawai service answered {r.status_code}",
                f"Layanan pegawai menjawab {r.status_code}",
            )
        body = r.json()
        for item in body.get("items", []):
            if item.get("active") is False:  # tolerate registries that list inactive people
                continue
            out[item["nip"]] = (item["unor_id"], item["jabatan_id"])
        cursor = body.get("next_cursor")
        if not cursor:
            return out


def compare(registry: dict[str, tuple[str, str]], holders: list[HolderView]) -> list[Difference]:
    ours = {h.nip: (h.unor_id, h.jabatan_id) for h in holders}
    diffs: list[Difference] = []
    for nip in sorted(set(registry) | set(ours)):
        reg, bez = registry.get(nip), ours.get(nip)
        if bez is None and reg is not None:
            diffs.append(Difference(nip, "missing_in_bezetting", reg[0], reg[1]))
        elif reg is None and bez is not None:
            diffs.append(Difference(nip, "not_in_registry", None, None, bez[0], bez[1]))
        elif reg is not None and bez is not None and reg != bez:
            diffs.append(Difference(nip, "placement_differs", reg[0], reg[1], bez[0], bez[1]))
    return diffs
