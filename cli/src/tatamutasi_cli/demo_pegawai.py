"""Enrich the demo employees (data sintetis) with identity details, histories, SKP,
assessments, a family relation between two demo employees and aspirations, through the
public pegawai API, so a newcomer sees a full registry after `make run`.

`load(base_urls, token)` is idempotent without relying on Idempotency-Key expiry: each
step first reads what is there and skips an employee whose step already ran."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from tatamutasi_cli import demo
from tatamutasi_pegawai.domain.nip import parse_nip

_PLACES = ("Bandar Lampung", "Metro", "Pringsewu", "Kota Agung", "Kalianda", "Liwa", "Menggala")
_SCHOOLS = ("Universitas Lampung", "Institut Teknologi Sumatera", "Universitas Indonesia")
_FIELDS = ("Manajemen", "Teknik Informatika", "Ilmu Keperawatan", "Ilmu Pemerintahan", "Hukum")
_DIKLAT = (
    "Pelatihan Dasar CPNS",
    "Pelatihan Kepemimpinan Pengawas",
    "Bimtek Pengelolaan Keuangan Daerah",
    "Pelatihan Analis Kebijakan",
)
_ESELON: dict[str, tuple[str, str | None]] = {
    "DEMO-J-KADIS": ("1", "22"),
    "DEMO-J-SEKR": ("1", "31"),
    "DEMO-J-KABID": ("1", "32"),
    "DEMO-J-KASUBBAG": ("1", "41"),
    "DEMO-J-ANALIS": ("2", None),
    "DEMO-J-PRANATA": ("2", None),
    "DEMO-J-PENGADM": ("4", None),
}
_JABATAN_NAMES = dict(demo.JABATAN)
_KOMPETENSI = (
    "integritas",
    "kerjasama",
    "komunikasi",
    "orientasiPadaHasil",
    "pelayananPublik",
    "pengembanganDiriDanOrla",
    "mengelolaPerubahan",
    "pengambilanKeputusan",
    "perekatBangsa",
)
_POTENSI = ("berfikirKritis", "intelektual", "interpersonal", "kesadaranDiri", "motivasiKomitmen")


def synthetic_nik(birth: date, sex: int, serial: int) -> str:
    """A NIK-shaped synthetic number (Kota Bandar Lampung prefix; +40 on the day for women,
    as in real NIKs; unlike NIPs)."""
    day = birth.day + (40 if sex == 2 else 0)
    return f"187101{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def _retirement(birth: date, bup: int = 58) -> date:
    year, month = birth.year + bup, birth.month + 1
    if month == 13:
        year, month = year + 1, 1
    return date(year, month, 1)


@dataclass
class Summary:
    enriched: int = 0
    rows: int = 0
    skipped: int = 0

    def line(self) -> str:
        return (
            f"pegawai demo: {self.enriched} enriched, {self.rows} history rows added, "
            f"{self.skipped} already complete"
        )


def _check(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 400:
        raise RuntimeError(
            f"demo_pegawai: {r.request.method} {r.request.url.path}: {r.status_code} {r.text[:300]}"
        )
    return r.json() if r.content else {}  # type: ignore[no-any-return]


def _items(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    return list(_check(client.get(path))["items"])


def enrich(client: httpx.Client, people: list[demo.DemoPegawai] | None = None) -> str:
    """Enrich every demo employee that is registered and not yet enriched."""
    people = people if people is not None else demo.demo_pegawai()
    summary = Summary()
    niks: dict[str, str] = {}
    births: dict[str, tuple[date, str]] = {}
    for index, p in enumerate(people):
        info = parse_nip(p.nip)
        rng = random.Random(f"demo-{p.nip}")
        niks[p.nip] = synthetic_nik(info.birth_date, info.sex, index + 1)
        place = rng.choice(_PLACES)
        births[p.nip] = (info.birth_date, place)
        current = client.get(f"/pegawai/{p.nip}")
        if current.status_code == 404:
            continue
        if _check(current).get("sex") is not None:
            summary.skipped += 1
            continue
        summary.enriched += 1
        summary.rows += _enrich_one(client, p, rng, niks[p.nip], place, index)
    summary.rows += _family(client, people, niks, births)
    return summary.line()


def _enrich_one(
    client: httpx.Client,
    p: demo.DemoPegawai,
    rng: random.Random,
    nik: str,
    place: str,
    index: int,
) -> int:
    info = parse_nip(p.nip)
    base = f"/pegawai/{p.nip}"
    tmt_cpns = date(info.appointment_year, info.appointment_month or 1, 1)
    jenis, eselon = _ESELON.get(p.jabatan_id, ("4", None))
    rows = 0
    # the current post with its TMT, then an earlier post (history only)
    tmt_jabatan = date(min(2024, max(tmt_cpns.year + 3, 2019 + rng.randint(0, 4))), 1, 2)
    _check(
        client.post(
            f"{base}/jabatan",
            json={
                "unor_id": p.unor_id,
                "jabatan_id": p.jabatan_id,
                "jabatan_name": _JABATAN_NAMES.get(p.jabatan_id),
                "jenis_jabatan": jenis,
                "eselon_id": eselon,
                "tmt": tmt_jabatan.isoformat(),
                "sk_number": f"821/{100 + index}/BKPSDM/{tmt_jabatan.year}",
                "sk_date": date(tmt_jabatan.year - 1, 12, 20).isoformat(),
                "source": "import",
            },
        )
    )
    earlier_unit = demo.OPD[(index + 1) % len(demo.OPD)][0]
    _check(
        client.post(
            f"{base}/jabatan",
            json={
                "unor_id": earlier_unit,
                "jabatan_id": "DEMO-J-PENGADM",
                "jabatan_name": "Pengadministrasi Perkantoran",
                "jenis_jabatan": "4",
                "tmt": date(tmt_cpns.year + 1, 1, 2).isoformat(),
                "source": "import",
            },
        )
    )
    rows += 2
    if index % 9 == 0:
        _check(
            client.post(
                f"{base}/jabatan",
                json={
                    "unor_id": p.unor_id,
                    "jabatan_id": "DEMO-J-KABID",
                    "jenis_penugasan": "PLT",
                    "tmt": "2024-02-01",
                    "end_date": "2024-06-30",
                    "sk_number": f"800/PLT/{index}",
                    "source": "import",
                },
            )
        )
        rows += 1
    # golongan: start at III/a, now one to four steps up
    golongan = ("31", "32", "33", "34", "41")
    now = golongan[min(len(golongan) - 1, 1 + (2024 - tmt_cpns.year) // 5)]
    for gol, tmt in (("31", tmt_cpns), (now, date(2022, 4, 1))):
        if gol == "31" and now == "31":
            continue
        _check(
            client.post(
                f"{base}/golongan",
                json={"golongan_id": gol, "tmt": tmt.isoformat(), "source": "import"},
            )
        )
        rows += 1
    # education
    field = rng.choice(_FIELDS)
    _check(
        client.post(
            f"{base}/pendidikan",
            json={
                "level_id": "40",
                "field_name": f"S-1 {field}",
                "school": rng.choice(_SCHOOLS),
                "year": info.birth_date.year + 23,
                "source": "import",
            },
        )
    )
    rows += 1
    if index % 3 == 0:
        _check(
            client.post(
                f"{base}/pendidikan",
                json={
                    "level_id": "45",
                    "field_name": f"S-2 {field}",
                    "year": min(2024, info.birth_date.year + 30),
                    "source": "import",
                },
            )
        )
        rows += 1
    _check(
        client.post(
            f"{base}/diklat",
            json={
                "name": rng.choice(_DIKLAT),
                "year": min(2024, tmt_cpns.year + 1 + index % 5),
                "hours": rng.choice((24, 40, 80)),
                "source": "import",
            },
        )
    )
    rows += 1
    for year in (2023, 2024):
        _check(
            client.post(
                f"{base}/skp",
                json={
                    "year": year,
                    "hasil_kinerja": rng.choice((1, 2, 2, 2, 3)),
                    "perilaku_kerja": rng.choice((1, 2, 2, 2, 3)),
                    "source": "import",
                },
            )
        )
        rows += 1
    if index % 2 == 0:
        scores = {k: float(rng.choice((2, 3, 3, 4))) for k in _KOMPETENSI}
        _check(
            client.post(
                f"{base}/asesmen",
                json={"kind": "kompetensi", "year": 2024, "scores": scores, "source": "import"},
            )
        )
        potensi = {k: float(rng.choice((2.5, 3, 3.5, 4))) for k in _POTENSI}
        _check(
            client.post(
                f"{base}/asesmen",
                json={
                    "kind": "potensi",
                    "year": 2024,
                    "scores": potensi,
                    "total": round(sum(potensi.values()) / 25 * 100, 1),
                    "source": "import",
                },
            )
        )
        rows += 2
    if index == 5:
        _check(
            client.post(
                f"{base}/hukdis",
                json={
                    "level": "ringan",
                    "jenis_hukuman_id": "2",
                    "start_date": "2024-03-01",
                    "end_date": "2024-08-31",
                    "description": "Teguran tertulis (contoh data sintetis)",
                    "source": "import",
                },
            )
        )
        rows += 1
    if index % 4 == 1:
        others = [u for u, _ in demo.OPD if u != p.unor_id]
        _check(
            client.post(
                f"{base}/aspirasi",
                json={
                    "preferences": [
                        {
                            "rank": 1,
                            "unor_id": others[index % len(others)],
                            "reason": "Sesuai latar pendidikan",
                        },
                        {"rank": 2, "jabatan_id": "DEMO-J-ANALIS"},
                    ],
                    "round_id": "DEMO-2026",
                },
            )
        )
        rows += 1
    # identity and personal data last: `sex` set marks the employee as enriched
    _check(
        client.patch(
            base,
            json={
                "sex": "M" if info.sex == 1 else "F",
                "agama_id": "1",
                "tmt_cpns": tmt_cpns.isoformat(),
                "tmt_pns": date(tmt_cpns.year + 1, tmt_cpns.month, 1).isoformat(),
                "tmt_pensiun": _retirement(info.birth_date).isoformat(),
                "personal": {
                    "nik": nik,
                    "birth_place": place,
                    "birth_date": info.birth_date.isoformat(),
                },
            },
            headers={"If-Match": client.get(base).headers["etag"]},
        )
    )
    return rows


def couple(
    people: list[demo.DemoPegawai] | None = None,
) -> tuple[demo.DemoPegawai, demo.DemoPegawai] | None:
    """The married couple of the demo (husband, wife): the first man and the first woman.
    The workflow demo has one of them propose the other, which the audit flags (R3)."""
    people = people if people is not None else demo.demo_pegawai()
    men = [p for p in people if parse_nip(p.nip).sex == 1]
    women = [p for p in people if parse_nip(p.nip).sex == 2]
    return (men[0], women[0]) if men and women else None


def _family(
    client: httpx.Client,
    people: list[demo.DemoPegawai],
    niks: dict[str, str],
    births: dict[str, tuple[date, str]],
) -> int:
    """A married couple among the demo employees (matched by NIK), and children records."""
    pair = couple(people)
    if pair is None:
        return 0
    husband, wife = pair
    rows = 0
    for owner, spouse in ((husband, wife), (wife, husband)):
        path = f"/pegawai/{owner.nip}/keluarga"
        existing = client.get(path)
        if existing.status_code == 404 or _check(existing)["items"]:
            continue
        birth, place = births[spouse.nip]
        _check(
            client.post(
                path,
                json={
                    "relation": "spouse",
                    "name": spouse.name.split(",")[0],
                    "nik": niks[spouse.nip],
                    "birth_date": birth.isoformat(),
                    "birth_place": place,
                    "sex": "M" if parse_nip(spouse.nip).sex == 1 else "F",
                },
            )
        )
        _check(
            client.post(
                path,
                json={
                    "relation": "child",
                    "name": "Anak Contoh " + owner.name.split()[1].rstrip(","),
                    "birth_date": "2015-06-01",
                    "birth_place": "Bandar Lampung",
                },
            )
        )
        rows += 2
    return rows


def _wait(
    client: httpx.Client, path: str, done: Callable[[dict[str, Any]], bool], timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = _check(client.get(path))
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def siasn_demo(client: httpx.Client, *, nips: int = 20, timeout: float = 120) -> str:
    """Try the SIASN side when the pegawai service is configured for a fake SIASN
    (`tatamutasi siasn fake-server`): sync `nips` employees from it (a background job), then
    record a placement by hand and write it back (`POST /jabatan/unorjabatan/save`).
    Without SIASN settings it says so: executed mutasi then queue as `not_configured`.
    Runs once: a second call finds the earlier sync job and changes nothing."""
    status = _check(client.get("/siasn/status"))
    if not status["configured"]:
        return (
            "SIASN: not configured (write-backs of executed mutasi are kept as "
            "`not_configured` in GET /siasn/writeback; services/pegawai/README.md shows how to "
            "try sync and write-back with the fake SIASN)"
        )
    if _check(client.get("/siasn/sync"))["items"]:
        return "SIASN demo: already run (GET /siasn/sync, GET /siasn/writeback)"
    base = status["api_base_url"].removesuffix("/apisiasn/1.0")
    try:
        listed = httpx.get(f"{base}/admin/nips", timeout=10)
    except httpx.HTTPError:
        listed = None
    if listed is None or listed.status_code != 200:
        return "SIASN: configured (not the fake); sync with `tatamutasi siasn sync --nips FILE`"
    chosen = list(listed.json()["nips"])[:nips]
    job = _check(client.post("/siasn/sync", json={"nips": chosen, "unor": True}))
    job = _wait(
        client, f"/siasn/sync/{job['id']}", lambda j: j["status"] not in ("queued", "running"),
        timeout,
    )  # fmt: skip
    line = f"SIASN demo: sync {job['done']}/{job['total']} NIPs ({job['failed']} failed)"
    synced = [n for n in chosen if client.get(f"/pegawai/{n}").status_code == 200]
    if len(synced) < 2:
        return line
    mover, other = (_check(client.get(f"/pegawai/{n}")) for n in synced[:2])
    today = date.today()
    row = _check(
        client.post(
            f"/pegawai/{mover['nip']}/jabatan",
            json={
                "unor_id": other["unor_id"],
                "jabatan_id": mover["jabatan_id"],
                "jabatan_name": mover.get("jabatan_name"),
                "jenis_jabatan": mover.get("jenis_jabatan") or "4",
                "tmt": today.isoformat(),
                "sk_number": f"DEMO/821/{today:%Y%m%d}",
                "sk_date": today.isoformat(),
                "source": "correction",
            },
        )
    )
    task = _check(
        client.post(
            "/siasn/writeback",
            json={"nip": mover["nip"], "riwayat_jabatan_id": row["id"], "jenis_mutasi": "MU"},
        )
    )
    task = _wait(
        client, f"/siasn/writeback/{task['id']}", lambda t: t["status"] in ("succeeded", "failed"),
        timeout,
    )  # fmt: skip
    return f"{line}; write-back of {mover['nip']} to SIASN: {task['status']}" + (
        f" (rwJabatanId {task['rw_jabatan_id']})" if task.get("rw_jabatan_id") else ""
    )


def load(base_urls: dict[str, str], token: str) -> str:
    """Enrich the demo employees through the pegawai API; returns a one-line summary."""
    with httpx.Client(
        base_url=base_urls["pegawai"], timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        return enrich(client)


def load_siasn(base_urls: dict[str, str], token: str) -> str:
    """Try SIASN sync and write-back when the service is configured for one. Runs last: the
    synced employees belong to the fake SIASN's own synthetic instansi, so the demo round is
    planned before they arrive."""
    with httpx.Client(
        base_url=base_urls["pegawai"], timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        return siasn_demo(client)
