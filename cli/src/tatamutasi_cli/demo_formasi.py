"""Formasi for the demo Pemda: the unit tree, the jabatan catalogue and needs with their ABK
basis, matching `tatamutasi_cli.demo` (unit ids `DEMO-*`, jabatan ids `DEMO-J-*`), so the
gap report means something right after `make run`. Synthetic data (data sintetis).

Loaded through the public API; idempotent: a second call changes nothing."""

from typing import Any

import httpx

from tatamutasi_cli.demo import JABATAN, OPD

ROOT = "DEMO-PEMKOT"
VALID_FROM = "2021-01-01"
NEEDS_FROM = "2026-01-01"

UNIT_TYPES: dict[str, str] = {
    "DEMO-SETDA": "sekretariat_daerah",
    "DEMO-BKPSDM": "badan",
    "DEMO-BPKAD": "badan",
    "DEMO-DINKES": "dinas",
    "DEMO-DISDIK": "dinas",
    "DEMO-KOMINFO": "dinas",
}
HEAD: dict[str, tuple[str, str]] = {  # eselon of the head post, its title
    "DEMO-SETDA": ("21", "Sekretaris Daerah"),
    "DEMO-BKPSDM": ("22", "Kepala Badan"),
    "DEMO-BPKAD": ("22", "Kepala Badan"),
    "DEMO-DINKES": ("22", "Kepala Dinas"),
    "DEMO-DISDIK": ("22", "Kepala Dinas"),
    "DEMO-KOMINFO": ("22", "Kepala Dinas"),
}

S1 = "40"
JABATAN_SPECS: dict[str, dict[str, Any]] = {
    "DEMO-J-KADIS": {
        "jenis": "struktural",
        "eselon_id": "22",
        "kelas_jabatan": 14,
        "rumpun": "Manajerial",
        "unit_types": ["dinas", "badan"],
        "requirements": {"education": [{"min_level_id": S1}], "training": ["PKN_II"]},
    },
    "DEMO-J-SEKR": {
        "jenis": "struktural",
        "eselon_id": "31",
        "kelas_jabatan": 12,
        "rumpun": "Manajerial",
        "requirements": {"education": [{"min_level_id": S1}], "training": ["PKA"]},
    },
    "DEMO-J-KABID": {
        "jenis": "struktural",
        "eselon_id": "32",
        "kelas_jabatan": 11,
        "rumpun": "Manajerial",
        "requirements": {"education": [{"min_level_id": S1}], "training": ["PKA"]},
    },
    "DEMO-J-KASUBBAG": {
        "jenis": "struktural",
        "eselon_id": "41",
        "kelas_jabatan": 9,
        "rumpun": "Manajerial",
        "requirements": {"education": [{"min_level_id": "30"}], "training": ["PKP"]},
    },
    "DEMO-J-ANALIS": {
        "jenis": "fungsional",
        "jf_jenjang": "MU",
        "kelas_jabatan": 9,
        "rumpun": "Kebijakan Publik",
        "requirements": {
            "education": [
                {
                    "min_level_id": S1,
                    "fields": ["Administrasi", "Kebijakan Publik", "Hukum", "Ekonomi"],
                }
            ],
            "conditions": [{"code": "skp_baik_years", "op": "ge", "value": 2}],
        },
    },
    "DEMO-J-PRANATA": {
        "jenis": "fungsional",
        "jf_jenjang": "PT",
        "kelas_jabatan": 8,
        "rumpun": "Teknologi Informasi",
        "requirements": {
            "education": [
                {"min_level_id": S1, "fields": ["Informatika", "Ilmu Komputer", "Sistem Informasi"]}
            ],
            "technical": [{"code": "Pengelolaan TIK", "level": 2}],
        },
    },
    "DEMO-J-PENGADM": {
        "jenis": "pelaksana",
        "kelas_jabatan": 5,
        "rumpun": "Administrasi Perkantoran",
        "min_golongan_id": "21",
        "max_golongan_id": "34",
        "requirements": {"education": [{"min_level_id": "15"}]},
    },
}

# ABK workload per jabatan (task, volume a year, standard hours); scaled per OPD below.
WORKLOAD: dict[str, list[tuple[str, float, float]]] = {
    "DEMO-J-ANALIS": [
        ("Menyusun kajian kebijakan", 12, 60),
        ("Menyusun rekomendasi kebijakan", 24, 25),
        ("Memantau dan mengevaluasi pelaksanaan kebijakan", 6, 120),
    ],
    "DEMO-J-PRANATA": [
        ("Memelihara sistem informasi", 52, 16),
        ("Menangani gangguan layanan TIK", 400, 2),
    ],
    "DEMO-J-PENGADM": [
        ("Mengagendakan surat masuk dan keluar", 4800, 0.25),
        ("Menyiapkan bahan rapat", 120, 4),
        ("Mengarsipkan dokumen", 2000, 0.3),
    ],
}
SCALE: dict[str, float] = {
    "DEMO-SETDA": 1.5,
    "DEMO-BKPSDM": 1.0,
    "DEMO-BPKAD": 1.2,
    "DEMO-DINKES": 2.0,
    "DEMO-DISDIK": 1.8,
    "DEMO-KOMINFO": 1.0,
}
STRUCTURAL_NEED: dict[str, int] = {"DEMO-J-SEKR": 1, "DEMO-J-KABID": 3, "DEMO-J-KASUBBAG": 2}


def _create(client: httpx.Client, path: str, body: dict[str, Any], key: str) -> bool:
    """True when created now, False when it already existed (or this is a replay)."""
    r = client.post(path, json=body, headers={"Idempotency-Key": key})
    if r.status_code in (200, 201):
        return r.headers.get("idempotent-replayed") != "true"
    if r.status_code == 409:
        return False
    raise RuntimeError(f"demo formasi load failed at {path}: {r.status_code} {r.text[:300]}")


def need_bodies() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, (unit_id, name) in enumerate(OPD, start=1):
        base = {
            "unit_id": unit_id,
            "valid_from": NEEDS_FROM,
            "source_document": f"Dokumen Anjab-ABK {name} 2026 (DEMO)",
            "decision_number": f"800.1.2/{n:03d}/BKPSDM/2026",
            "decision_date": "2025-12-15",
        }
        if UNIT_TYPES[unit_id] in ("dinas", "badan"):
            out.append({**base, "jabatan_id": "DEMO-J-KADIS", "count": 1})
        for jabatan_id, count in STRUCTURAL_NEED.items():
            out.append({**base, "jabatan_id": jabatan_id, "count": count})
        for jabatan_id, tasks in WORKLOAD.items():
            items = [
                {"task": t, "volume": round(v * SCALE[unit_id]), "standard_hours": h}
                for t, v, h in tasks
            ]
            out.append({**base, "jabatan_id": jabatan_id, "items": items})
    return out


def load(
    base_urls: dict[str, str], token: str, *, transport: httpx.BaseTransport | None = None
) -> str:
    """Load the demo formasi through the formasi API; returns a one-line summary."""
    created = {"units": 0, "jabatan": 0, "needs": 0}
    with httpx.Client(
        base_url=base_urls["formasi"],
        timeout=30,
        headers={"Authorization": f"Bearer {token}"},
        transport=transport,
    ) as client:
        root = {
            "unit_id": ROOT,
            "name": "Pemerintah Kota Contoh (DEMO)",
            "unit_type": "pemda",
            "valid_from": VALID_FROM,
        }
        created["units"] += _create(client, "/units", root, f"demo-unit-{ROOT}")
        for unit_id, name in OPD:
            eselon, head = HEAD[unit_id]
            body = {
                "unit_id": unit_id,
                "name": name,
                "unit_type": UNIT_TYPES[unit_id],
                "parent_id": ROOT,
                "eselon_id": eselon,
                "head_jabatan_name": head,
                "valid_from": VALID_FROM,
            }
            created["units"] += _create(client, "/units", body, f"demo-unit-{unit_id}")
        for jabatan_id, name in JABATAN:
            body = {"jabatan_id": jabatan_id, "name": name, **JABATAN_SPECS[jabatan_id]}
            created["jabatan"] += _create(client, "/jabatan", body, f"demo-jabatan-{jabatan_id}")
        for body in need_bodies():
            key = f"demo-need-{body['unit_id']}-{body['jabatan_id']}"
            r = client.post("/needs", json=body, headers={"Idempotency-Key": key})
            if r.status_code != 200:
                raise RuntimeError(f"demo need failed: {r.status_code} {r.text[:300]}")
            replayed = r.headers.get("idempotent-replayed") == "true"
            created["needs"] += bool(r.json().get("changed")) and not replayed
    return (
        f"formasi: {created['units']} units, {created['jabatan']} jabatan, "
        f"{created['needs']} needs created ({len(OPD)} OPD, {len(JABATAN)} jabatan)"
    )
