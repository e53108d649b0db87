"""SIASN (BKN) adapter: the anti-corruption layer between SIASN and the registry.

`SiasnClient` talks to SIASN; `mapping` turns SIASN's shapes into the frozen records of
`records`; nothing outside this package sees SIASN's field names, date formats or envelope."""

from tatamutasi_pegawai.adapters.siasn.client import SiasnClient, parse_retry_after
from tatamutasi_pegawai.adapters.siasn.errors import (
    SiasnAuthError,
    SiasnError,
    SiasnMalformed,
    SiasnProtocolError,
    SiasnSaveOutcomeUnknown,
    SiasnSaveRejected,
    SiasnUnavailable,
)
from tatamutasi_pegawai.adapters.siasn.records import (
    SiasnDiklat,
    SiasnFailure,
    SiasnFamily,
    SiasnGolongan,
    SiasnHukdis,
    SiasnJabatan,
    SiasnKompetensi,
    SiasnPendidikan,
    SiasnPotensi,
    SiasnProfile,
    SiasnRelative,
    SiasnSKP22,
    SiasnSnapshot,
    SiasnUnor,
    SiasnUnorJabatanSave,
)
from tatamutasi_pegawai.adapters.siasn.settings import SiasnSettings

__all__ = [
    "SiasnAuthError",
    "SiasnClient",
    "SiasnDiklat",
    "SiasnError",
    "SiasnFailure",
    "SiasnFamily",
    "SiasnGolongan",
    "SiasnHukdis",
    "SiasnJabatan",
    "SiasnKompetensi",
    "SiasnMalformed",
    "SiasnPendidikan",
    "SiasnPotensi",
    "SiasnProfile",
    "SiasnProtocolError",
    "SiasnRelative",
    "SiasnSKP22",
    "SiasnSaveOutcomeUnknown",
    "SiasnSaveRejected",
    "SiasnSettings",
    "SiasnSnapshot",
    "SiasnUnavailable",
    "SiasnUnor",
    "SiasnUnorJabatanSave",
    "parse_retry_after",
]
