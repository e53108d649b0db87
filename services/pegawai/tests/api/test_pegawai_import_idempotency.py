"""An upload retried with the same Idempotency-Key imports once and replays the answer; the
same key with another file is refused (the body is hashed as it streams past the middleware,
so multipart forms work although the form parser consumes the stream first)."""

from fastapi.testclient import TestClient
from pegawai_registry_helpers import Headers, count_rows

CSV = (
    "NIP,Nama,Jenis Kelamin,Tanggal Lahir,Tempat Lahir,ID Unit Kerja,ID Jabatan,Golongan\n"
    "198503122010011002,Budi Santoso,L,12-03-1985,Metro,U-A,J-1,33\n"
)
OTHER = CSV + "199001012015032001,Siti Aminah,P,1990-01-01,Metro,U-B,J-2,31\n"


def _upload(client: TestClient, h: dict[str, str], content: str, key: str) -> object:
    return client.post(
        "/import/pegawai",
        files={"file": ("pegawai.csv", content.encode(), "text/csv")},
        headers={**h, "Idempotency-Key": key},
    )


def test_retried_upload_imports_once_and_replays(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    first = _upload(client, h, CSV, "upload-1")
    assert first.status_code == 200, first.text  # type: ignore[attr-defined]
    again = _upload(client, h, CSV, "upload-1")
    assert again.status_code == 200  # type: ignore[attr-defined]
    assert again.headers["Idempotent-Replayed"] == "true"  # type: ignore[attr-defined]
    assert again.json() == first.json()  # type: ignore[attr-defined]
    assert count_rows(client, "pegawai") == 1


def test_same_key_with_another_file_is_refused(client: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    assert _upload(client, h, CSV, "upload-2").status_code == 200  # type: ignore[attr-defined]
    r = _upload(client, h, OTHER, "upload-2")
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"  # type: ignore[attr-defined]
    assert count_rows(client, "pegawai") == 1
