"""A fake SIASN server (development and test tool) following DOMAIN.md §1:

- `POST /oauth2/token`: APIM client credentials (HTTP Basic), short-lived tokens;
- `POST /auth/realms/public-siasn/protocol/openid-connect/token`: SSO password grant;
- `/apisiasn/1.0/...`: both `Authorization: Bearer <apim>` and `Auth: bearer <sso>` required
  (a bad APIM token gives 401 with a WSO2 `fault`, a bad SSO token 401 `{Error, Message}`);
  answers `{code: 1, data}`, not found is 404 `{code: 0, data: "Data tidak ditemukan"}`;
- `/apisiasn/1.0/referensi/ref-unor?limit=&offset=`: PascalCase, `count`, past the end 404;
- `/referensi_siasn/1/{table}`: APIM token only;
- `POST /apisiasn/1.0/jabatan/unorjabatan/save` records the payload and answers
  `mapData.rwJabatanId` (or 200 `success: false` when asked or when the payload is invalid);
  data-utama shows the new post only after `GET /pns/data-utama-jabatansync`.

Fault switches (`Faults`) are set at start and through `PUT /admin/faults`. The admin
endpoints (`/admin/...`) are unauthenticated: this is a local tool, never expose it."""

import asyncio
import base64
import json
import random
import re
import secrets
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from tatamutasi_pegawai.siasn_fake.data import FakeData

if TYPE_CHECKING:
    from tatamutasi_pegawai.adapters.siasn.settings import SiasnSettings

CONSUMER_KEY = "fake-consumer-key"
CONSUMER_SECRET = "fake-consumer-secret"
SSO_CLIENT_ID = "fake-client"
SSO_USERNAME = "fake-user"
SSO_PASSWORD = "fake-password"
NOT_FOUND = {"code": 0, "data": "Data tidak ditemukan"}
_DMY = re.compile(r"^\d{2}-\d{2}-\d{4}$")


class Faults(BaseModel):
    """Fault switches. Rates are fractions of data calls; `*_next` counters hit the next N
    data calls (deterministic, for tests)."""

    error_rate: float = Field(default=0.0, ge=0, le=1)
    fail_next: int = Field(default=0, ge=0, description="Answer the next N data calls with 5xx")
    latency_ms: float = Field(default=0.0, ge=0)
    throttle_rate: float = Field(default=0.0, ge=0, le=1)
    throttle_next: int = Field(default=0, ge=0)
    retry_after_s: int = Field(default=1, ge=0)
    apim_token_ttl_s: int = Field(default=300, ge=1)
    sso_token_ttl_s: int = Field(default=600, ge=1)
    save_reject: bool = Field(default=False, description="Saves answer 200 success:false")
    malformed_nips: list[str] = Field(default_factory=list)


class FakeSiasn:
    """State of one fake: data, tokens, faults, recorded saves, request counts."""

    def __init__(self, *, seed: int = 1, employees: int = 50, faults: Faults | None = None) -> None:
        self.data = FakeData(seed=seed, employees=employees)
        self.faults = faults or Faults()
        self.apim_tokens: dict[str, float] = {}
        self.sso_tokens: dict[str, float] = {}
        self.saves: list[dict[str, Any]] = []
        self.syncs: list[str] = []
        self.counts: Counter[str] = Counter()
        self._rng = random.Random(f"{seed}:faults")
        self._clock = time.monotonic

    def issue(self, kind: str) -> tuple[str, int]:
        ttl = self.faults.apim_token_ttl_s if kind == "apim" else self.faults.sso_token_ttl_s
        token = secrets.token_hex(16)
        (self.apim_tokens if kind == "apim" else self.sso_tokens)[token] = self._clock() + ttl
        return token, ttl

    def valid(self, kind: str, token: str) -> bool:
        table = self.apim_tokens if kind == "apim" else self.sso_tokens
        expiry = table.get(token)
        return expiry is not None and self._clock() < expiry

    def expire(self, which: str) -> None:
        if which in ("apim", "all"):
            self.apim_tokens.clear()
        if which in ("sso", "all"):
            self.sso_tokens.clear()

    def roll_fault(self) -> str | None:
        """ "error", "throttle" or None for this data call."""
        f = self.faults
        if f.fail_next > 0:
            f.fail_next -= 1
            return "error"
        if f.throttle_next > 0:
            f.throttle_next -= 1
            return "throttle"
        if f.error_rate and self._rng.random() < f.error_rate:
            return "error"
        if f.throttle_rate and self._rng.random() < f.throttle_rate:
            return "throttle"
        return None


def _fault_wso2() -> JSONResponse:
    return JSONResponse(
        {
            "fault": {
                "code": 900901,
                "message": "Invalid Credentials",
                "description": "Invalid Credentials. Make sure you have provided the correct "
                "security credentials",
            }
        },
        status_code=401,
        headers={"WWW-Authenticate": 'OAuth2 realm="WSO2 API Manager"'},
    )


def _fault_sso() -> JSONResponse:
    return JSONResponse(
        {"Error": "Unauthorized", "Message": "Token SSO tidak valid atau kedaluwarsa"},
        status_code=401,
    )


_HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx</center></body></html>"
)


def _server_error(rng: random.Random, retry_after: int) -> Response:
    pick = rng.randrange(3)
    if pick == 0:
        return HTMLResponse(_HTML_502, status_code=502)
    if pick == 1:
        return JSONResponse(
            {"Error": "Service Unavailable", "Message": "Layanan sedang sibuk"},
            status_code=503,
            headers={"Retry-After": str(retry_after)},
        )
    return JSONResponse({"code": 0, "data": "Internal Server Error"}, status_code=500)


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    parts = value.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1].strip()


def _malform(data: Any) -> Any:
    """Break a record the way a broken upstream might: an impossible date."""
    if isinstance(data, dict):
        broken = dict(data)
        for key in ("tglLahir", "tmtJabatan"):
            if key in broken:
                broken[key] = "31-02-2020"
                return broken
        return {"unexpected": "shape"}
    if isinstance(data, list) and data:
        return [_malform(data[0]), *data[1:]]
    return "Data rusak"


def create_app(fake: FakeSiasn | None = None) -> FastAPI:
    fake = fake or FakeSiasn()
    app = FastAPI(title="Fake SIASN (synthetic data)", docs_url="/docs", openapi_url=None)
    app.state.fake = fake

    # -- tokens ---------------------------------------------------------------------------

    @app.post("/oauth2/token")
    async def apim_token(request: Request) -> Response:
        form = await request.form()
        basic = request.headers.get("Authorization", "")
        ok = False
        if basic.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                ok = key == CONSUMER_KEY and secret == CONSUMER_SECRET
            except (ValueError, UnicodeDecodeError):
                ok = False
        if form.get("grant_type") != "client_credentials":
            return JSONResponse(
                {"error": "unsupported_grant_type", "error_description": "Unsupported grant"},
                status_code=400,
            )
        if not ok:
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client Authentication failed."},
                status_code=401,
            )
        token, ttl = fake.issue("apim")
        fake.counts["apim-token"] += 1
        return JSONResponse(
            {"access_token": token, "scope": "default", "token_type": "Bearer", "expires_in": ttl}
        )

    @app.post("/auth/realms/public-siasn/protocol/openid-connect/token")
    async def sso_token(request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "password":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if (
            form.get("client_id") != SSO_CLIENT_ID
            or form.get("username") != SSO_USERNAME
            or form.get("password") != SSO_PASSWORD
        ):
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "Invalid user credentials"},
                status_code=401,
            )
        token, ttl = fake.issue("sso")
        fake.counts["sso-token"] += 1
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": ttl,
                "refresh_expires_in": ttl,
                "token_type": "Bearer",
                "scope": "profile email",
            }
        )

    # -- guard for data calls -------------------------------------------------------------

    async def guard(request: Request, *, sso: bool) -> Response | None:
        fake.counts["calls"] += 1
        if fake.faults.latency_ms:
            await asyncio.sleep(fake.faults.latency_ms / 1000)
        apim = _bearer(request.headers.get("Authorization"))
        if apim is None or not fake.valid("apim", apim):
            fake.counts["401-apim"] += 1
            return _fault_wso2()
        if sso:
            token = _bearer(request.headers.get("Auth"))
            if token is None or not fake.valid("sso", token):
                fake.counts["401-sso"] += 1
                return _fault_sso()
        fault = fake.roll_fault()
        if fault == "throttle":
            fake.counts["429"] += 1
            return JSONResponse(
                {"fault": {"code": 900800, "message": "Message throttled out"}},
                status_code=429,
                headers={"Retry-After": str(fake.faults.retry_after_s)},
            )
        if fault == "error":
            fake.counts["5xx"] += 1
            return _server_error(fake._rng, fake.faults.retry_after_s)
        return None

    def answer(data: Any, nip: str | None = None, **extra: Any) -> Response:
        if data is None:
            fake.counts["404"] += 1
            return JSONResponse(NOT_FOUND, status_code=404)
        if nip is not None and nip in fake.faults.malformed_nips:
            data = _malform(data)
        fake.counts["200"] += 1
        return JSONResponse({"code": 1, "data": data, **extra})

    resources = {
        "data-utama": fake.data.data_utama,
        "rw-jabatan": fake.data.rw_jabatan,
        "rw-golongan": fake.data.rw_golongan,
        "rw-pendidikan": fake.data.rw_pendidikan,
        "rw-skp22": fake.data.rw_skp22,
        "rw-potensi": fake.data.rw_potensi,
        "rw-kompetensi": fake.data.rw_kompetensi,
        "rw-hukdis": fake.data.rw_hukdis,
        "rw-diklat": fake.data.rw_diklat,
        "data-pasangan": fake.data.data_pasangan,
        "data-anak": fake.data.data_anak,
        "data-ortu": fake.data.data_ortu,
    }

    @app.get("/apisiasn/1.0/pns/data-utama-jabatansync")
    async def jabatansync(request: Request, pns_orang_id: str = "") -> Response:
        if (denied := await guard(request, sso=True)) is not None:
            return denied
        nip = fake.data.by_pns_id.get(pns_orang_id)
        if nip is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        employee = fake.data.employees[nip]
        saved = employee.extra.get("jabatan", [])
        if saved:
            employee.extra["synced_jabatan"] = saved[-1]
        fake.syncs.append(pns_orang_id)
        return JSONResponse({"code": 1, "data": "Sinkronisasi jabatan berhasil"})

    @app.get("/apisiasn/1.0/pns/{resource}/{nip}")
    async def pns_resource(request: Request, resource: str, nip: str) -> Response:
        if (denied := await guard(request, sso=True)) is not None:
            return denied
        reader = resources.get(resource)
        if reader is None:
            return JSONResponse({"code": 0, "data": "Resource not found"}, status_code=404)
        return answer(reader(nip), nip)

    @app.get("/apisiasn/1.0/referensi/ref-unor")
    async def ref_unor(request: Request, limit: int = 100, offset: int = 0) -> Response:
        if (denied := await guard(request, sso=True)) is not None:
            return denied
        rows = fake.data.ref_unor()
        page = rows[max(0, offset) : max(0, offset) + max(1, limit)]
        if not page:
            return answer(None)
        return answer(page, count=len(rows))

    @app.get("/referensi_siasn/1/{table}")
    async def referensi(request: Request, table: str) -> Response:
        if (denied := await guard(request, sso=False)) is not None:
            return denied
        tables = {
            "agama": [
                {"id": "1", "nama": "Islam"},
                {"id": "2", "nama": "Kristen"},
                {"id": "3", "nama": "Katholik"},
                {"id": "4", "nama": "Hindu"},
                {"id": "5", "nama": "Budha"},
                {"id": "6", "nama": "Konghucu"},
            ],
            "jenis-jabatan": [
                {"id": "1", "nama": "Jabatan Struktural"},
                {"id": "2", "nama": "Jabatan Fungsional Tertentu"},
                {"id": "4", "nama": "Jabatan Fungsional Umum"},
            ],
        }
        return answer(tables.get(table))

    @app.post("/apisiasn/1.0/jabatan/unorjabatan/save")
    async def save(request: Request) -> Response:
        if (denied := await guard(request, sso=True)) is not None:
            return denied
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        record = {"received_at": datetime.now().isoformat(), "payload": body}
        fake.saves.append(record)
        problem = _check_save(fake, body)
        if fake.faults.save_reject:
            problem = problem or "Gagal menyimpan riwayat jabatan (simulasi gangguan SIASN)"
        if problem:
            record["result"] = {"success": False, "message": problem}
            return JSONResponse(record["result"])
        rw_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{fake.data.seed}:save:{len(fake.saves)}"))
        nip = fake.data.by_pns_id[body["pnsId"]]
        employee = fake.data.employees[nip]
        unor = fake.data.unor_by_id[body["unorId"]]
        induk = fake.data.induk_of(unor)
        row = {
            "id": rw_id,
            "idPns": body["pnsId"],
            "nipBaru": nip,
            "jenisJabatan": body.get("jenisJabatan") or "",
            "instansiKerjaId": body.get("instansiId") or "",
            "satuanKerjaId": body.get("satuanKerjaId") or "",
            "unorId": unor.id,
            "unorNama": unor.nama,
            "unorIndukId": induk.id,
            "unorIndukNama": induk.nama,
            "eselon": "",
            "eselonId": body.get("eselonId") or "",
            "jabatanFungsionalId": body.get("jabatanFungsionalId") or "",
            "jabatanFungsionalUmumId": body.get("jabatanFungsionalUmumId") or "",
            "tmtJabatan": body["tmtJabatan"],
            "nomorSk": body["nomorSk"],
            "tanggalSk": body["tanggalSk"],
            "namaUnor": unor.nama,
            "namaJabatan": unor.nama_jabatan if body.get("jenisJabatan") == "1" else "",
            "tmtPelantikan": body.get("tmtPelantikan") or "01-01-0001",
            "jenisPenugasanId": body.get("jenisPenugasanId") or "D",
            "jenisMutasiId": body.get("jenisMutasiId") or "",
            "subJabatanId": body.get("subJabatanId") or "",
            "tmtMutasi": body.get("tmtMutasi") or "01-01-0001",
            "path": {},
        }
        employee.extra.setdefault("jabatan", []).append(row)
        record["result"] = {
            "success": True,
            "message": "Data berhasil disimpan",
            "mapData": {"rwJabatanId": rw_id},
        }
        return JSONResponse(record["result"])

    # -- admin ----------------------------------------------------------------------------

    @app.get("/admin/faults")
    async def get_faults() -> dict[str, Any]:
        return fake.faults.model_dump()

    @app.put("/admin/faults")
    async def put_faults(request: Request) -> Response:
        changes = await request.json()
        merged = {**fake.faults.model_dump(), **(changes if isinstance(changes, dict) else {})}
        try:
            fake.faults = Faults.model_validate(merged)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return JSONResponse(fake.faults.model_dump())

    @app.post("/admin/expire-tokens")
    async def expire_tokens(which: str = "all") -> dict[str, str]:
        fake.expire(which)
        return {"expired": which}

    @app.post("/admin/sso-token")
    async def mint_sso() -> dict[str, Any]:
        """An SSO token as an operator would paste it (operator-supplied mode)."""
        token, ttl = fake.issue("sso")
        return {"access_token": token, "expires_in": ttl}

    @app.get("/admin/nips")
    async def nips() -> dict[str, Any]:
        return {"count": len(fake.data.nips), "nips": fake.data.nips}

    @app.get("/admin/saves")
    async def saves() -> dict[str, Any]:
        return {"saves": fake.saves, "syncs": fake.syncs}

    @app.get("/admin/stats")
    async def stats() -> dict[str, int]:
        return dict(fake.counts)

    return app


def _check_save(fake: FakeSiasn, body: Any) -> str | None:
    """What SIASN would refuse, as the Indonesian message it answers with."""
    if not isinstance(body, dict):
        return "Format data tidak valid"
    if body.get("pnsId") not in fake.data.by_pns_id:
        return "PNS tidak ditemukan"
    if body.get("unorId") not in fake.data.unor_by_id:
        return "Unor tidak ditemukan"
    if body.get("instansiId") != fake.data.instansi_id:
        return "Instansi tidak sesuai"
    if body.get("jenisMutasiId") not in ("MJ", "MU"):
        return "Jenis mutasi tidak valid"
    if body.get("jenisPenugasanId") not in ("D", "PLT", "PLH", "PJ", "TT"):
        return "Jenis penugasan tidak valid"
    if body.get("jenisJabatan") not in ("1", "2", "3", "4"):
        return "Jenis jabatan tidak valid"
    if not body.get("nomorSk"):
        return "Nomor SK wajib diisi"
    for key in ("tanggalSk", "tmtJabatan"):
        if not isinstance(body.get(key), str) or not _DMY.match(body[key]):
            return f"Format {key} harus dd-mm-yyyy"
    for key in ("tmtMutasi", "tmtPelantikan"):
        value = body.get(key)
        if value not in (None, "") and (not isinstance(value, str) or not _DMY.match(value)):
            return f"Format {key} harus dd-mm-yyyy"
    return None


def fake_client_settings(base_url: str, **overrides: Any) -> "SiasnSettings":
    """Client settings that authenticate against a fake at `base_url` (password grant)."""
    from pydantic import SecretStr

    from tatamutasi_pegawai.adapters.siasn.settings import SiasnSettings

    values: dict[str, Any] = {
        "consumer_key": SecretStr(CONSUMER_KEY),
        "consumer_secret": SecretStr(CONSUMER_SECRET),
        "sso_client_id": SSO_CLIENT_ID,
        "sso_username": SecretStr(SSO_USERNAME),
        "sso_password": SecretStr(SSO_PASSWORD),
        "backoff_initial_s": 0.05,
        "backoff_max_s": 1.0,
    }
    values.update(overrides)
    return SiasnSettings.for_server(base_url, **values)


def fake_service_env(base_url: str, *, seed: int = 1) -> dict[str, str]:
    """`PEGAWAI_SIASN_*` variables that point a pegawai service process at a fake started
    with `--seed seed` at `base_url` (what `tatamutasi run` passes to the service)."""
    from tatamutasi_pegawai.adapters.siasn.settings import (
        API_PATH,
        APIM_TOKEN_PATH,
        REFERENSI_PATH,
        SSO_TOKEN_PATH,
    )

    base = base_url.rstrip("/")
    data = FakeData(seed=seed, employees=1)
    return {
        "PEGAWAI_SIASN_APIM_TOKEN_URL": base + APIM_TOKEN_PATH,
        "PEGAWAI_SIASN_SSO_TOKEN_URL": base + SSO_TOKEN_PATH,
        "PEGAWAI_SIASN_API_BASE_URL": base + API_PATH,
        "PEGAWAI_SIASN_REFERENSI_BASE_URL": base + REFERENSI_PATH,
        "PEGAWAI_SIASN_CONSUMER_KEY": CONSUMER_KEY,
        "PEGAWAI_SIASN_CONSUMER_SECRET": CONSUMER_SECRET,
        "PEGAWAI_SIASN_SSO_CLIENT_ID": SSO_CLIENT_ID,
        "PEGAWAI_SIASN_SSO_USERNAME": SSO_USERNAME,
        "PEGAWAI_SIASN_SSO_PASSWORD": SSO_PASSWORD,
        "PEGAWAI_SIASN_INSTANSI_ID": data.instansi_id,
        "PEGAWAI_SIASN_SATUAN_KERJA_ID": data.satuan_kerja_id,
    }
