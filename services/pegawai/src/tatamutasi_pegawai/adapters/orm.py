"""Tables of the pegawai service (SQLAlchemy Core; the domain never sees them).

`pegawai` holds the current state; personal data lives apart in `pegawai_personal` so that
no listing query can leak it by accident. Every `riwayat_*` table, `keluarga` and
`aspirasi` is append-only: rows are inserted, never updated or deleted. The schema is
created by the Alembic revisions in `migrations/versions` (a test compares both)."""

import sqlalchemy as sa

from tatamutasi_platform.db import new_metadata
from tatamutasi_platform.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")

pegawai = sa.Table(
    "pegawai",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("unor_id", sa.String(64), nullable=False, index=True),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    # 0002: identity, status, placement, rank, education
    sa.Column("siasn_id", sa.String(42), nullable=True),
    sa.Column("gelar_depan", sa.String(100), nullable=True),
    sa.Column("gelar_belakang", sa.String(100), nullable=True),
    sa.Column("sex", sa.String(1), nullable=True),
    sa.Column("agama_id", sa.String(4), nullable=True),
    sa.Column("kedudukan_id", sa.String(4), nullable=False, server_default="01"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("tmt_cpns", sa.Date, nullable=True),
    sa.Column("tmt_pns", sa.Date, nullable=True),
    sa.Column("tmt_pensiun", sa.Date, nullable=True, index=True),
    sa.Column("contract_end", sa.Date, nullable=True),
    sa.Column("jabatan_name", sa.String(300), nullable=True),
    sa.Column("jenis_jabatan", sa.String(2), nullable=True),
    sa.Column("eselon_id", sa.String(4), nullable=True),
    sa.Column("tmt_jabatan", sa.Date, nullable=True),
    sa.Column("golongan_id", sa.String(4), nullable=True, index=True),
    sa.Column("tmt_golongan", sa.Date, nullable=True),
    sa.Column("education_level_id", sa.String(4), nullable=True),
    sa.Column("education_field", sa.String(300), nullable=True),
    sa.Column("education_year", sa.Integer, nullable=True),
    sa.Index("ix_pegawai_jabatan_id", "jabatan_id"),
    sa.Index("ix_pegawai_siasn_id", "siasn_id", unique=True),
)

pegawai_personal = sa.Table(
    "pegawai_personal",
    metadata,
    sa.Column("nip", sa.String(18), sa.ForeignKey("pegawai.nip"), primary_key=True),
    sa.Column("nik", sa.String(16), nullable=True, index=True),
    sa.Column("birth_place", sa.String(100), nullable=True),
    sa.Column("birth_date", sa.Date, nullable=True, index=True),
    sa.Column("address", sa.String(500), nullable=True),
    sa.Column("phone", sa.String(30), nullable=True),
    sa.Column("email", sa.String(200), nullable=True),
)


def _history(name: str, *columns: sa.Column[object] | sa.Index) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("nip", sa.String(18), sa.ForeignKey("pegawai.nip"), nullable=False, index=True),
        *columns,
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("siasn_id", sa.String(42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
    )


riwayat_jabatan = _history(
    "riwayat_jabatan",
    sa.Column("unor_id", sa.String(64), nullable=False),
    sa.Column("unor_name", sa.String(300), nullable=True),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("jabatan_name", sa.String(300), nullable=True),
    sa.Column("jenis_jabatan", sa.String(2), nullable=True),
    sa.Column("eselon_id", sa.String(4), nullable=True),
    sa.Column("jenis_penugasan", sa.String(4), nullable=False),
    sa.Column("tmt", sa.Date, nullable=True),
    sa.Column("end_date", sa.Date, nullable=True),
    sa.Column("sk_number", sa.String(200), nullable=True),
    sa.Column("sk_date", sa.Date, nullable=True),
    sa.Column("proposal_id", sa.String(64), nullable=True),
)

riwayat_golongan = _history(
    "riwayat_golongan",
    sa.Column("golongan_id", sa.String(4), nullable=False),
    sa.Column("tmt", sa.Date, nullable=True),
    sa.Column("sk_number", sa.String(200), nullable=True),
    sa.Column("sk_date", sa.Date, nullable=True),
    sa.Column("mk_tahun", sa.Integer, nullable=True),
    sa.Column("mk_bulan", sa.Integer, nullable=True),
)

riwayat_pendidikan = _history(
    "riwayat_pendidikan",
    sa.Column("level_id", sa.String(4), nullable=False),
    sa.Column("field_id", sa.String(42), nullable=True),
    sa.Column("field_name", sa.String(300), nullable=True),
    sa.Column("school", sa.String(300), nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("certificate_number", sa.String(100), nullable=True),
    sa.Column("highest", sa.Boolean, nullable=False),
)

riwayat_diklat = _history(
    "riwayat_diklat",
    sa.Column("jenis_diklat_id", sa.String(42), nullable=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("organiser", sa.String(300), nullable=True),
    sa.Column("start_date", sa.Date, nullable=True),
    sa.Column("end_date", sa.Date, nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("hours", sa.Integer, nullable=True),
)

riwayat_skp = _history(
    "riwayat_skp",
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("hasil_kinerja", sa.Integer, nullable=True),
    sa.Column("perilaku_kerja", sa.Integer, nullable=True),
    sa.Column("predikat", sa.Integer, nullable=False),
    sa.Column("penilai_nip", sa.String(18), nullable=True),
    sa.Column("penilai_name", sa.String(200), nullable=True),
)

riwayat_asesmen = _history(
    "riwayat_asesmen",
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("assessed_on", sa.Date, nullable=True),
    sa.Column("scores", sa.Text, nullable=False),
    sa.Column("total", sa.Float, nullable=True),
    sa.Column("standard_level", sa.Integer, nullable=True),
    sa.Column("jpm", sa.Float, nullable=True),
    sa.Column("assessor", sa.String(200), nullable=True),
)

riwayat_hukdis = _history(
    "riwayat_hukdis",
    sa.Column("level", sa.String(8), nullable=False),
    sa.Column("jenis_hukuman_id", sa.String(42), nullable=True),
    sa.Column("description", sa.String(1000), nullable=True),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=True),
    sa.Column("sk_number", sa.String(200), nullable=True),
    sa.Column("sk_date", sa.Date, nullable=True),
)

riwayat_status = _history(
    "riwayat_status",
    sa.Column("kedudukan_id", sa.String(4), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("effective", sa.Date, nullable=True),
)

#: Corrections of identity fields through PATCH: which fields, and their previous values
#: (JSON). Never exposed through the API.
riwayat_identitas = _history(
    "riwayat_identitas",
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("fields", sa.String(1000), nullable=False),
    sa.Column("previous", sa.Text, nullable=False),
)

keluarga = _history(
    "keluarga",
    sa.Column("relation", sa.String(8), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("nik", sa.String(16), nullable=True, index=True),
    sa.Column("relative_nip", sa.String(18), nullable=True),
    sa.Column("birth_date", sa.Date, nullable=True),
    sa.Column("birth_place", sa.String(100), nullable=True),
    sa.Column("sex", sa.String(1), nullable=True),
)

aspirasi = _history(
    "aspirasi",
    sa.Column("statement_id", sa.String(36), nullable=False, index=True),
    sa.Column("round_id", sa.String(64), nullable=True),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("unor_id", sa.String(64), nullable=True),
    sa.Column("jabatan_id", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(1000), nullable=True),
)

HISTORY_TABLES = (
    riwayat_jabatan,
    riwayat_golongan,
    riwayat_pendidikan,
    riwayat_diklat,
    riwayat_skp,
    riwayat_asesmen,
    riwayat_hukdis,
    riwayat_status,
    riwayat_identitas,
    keluarga,
    aspirasi,
)

# -- 0003: SIASN write-back queue and sync jobs -----------------------------------------------

#: Durable queue of executed mutasi to post to SIASN (`/jabatan/unorjabatan/save`). A row is
#: written in the same transaction as the placement it writes back, so neither a crash nor a
#: SIASN outage loses one. Status: pending, running (leased), succeeded, failed,
#: not_configured (SIASN is not configured for this service).
siasn_writeback = sa.Table(
    "siasn_writeback",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("proposal_id", sa.String(64), nullable=False),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("error_kind", sa.String(32), nullable=True),
    sa.Column("last_error", sa.String(1000), nullable=True),
    sa.Column("rw_jabatan_id", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Index("ix_siasn_writeback_proposal_id", "proposal_id", unique=True),
    sa.Index("ix_siasn_writeback_status_due", "status", "next_attempt_at"),
)

#: A SIASN → registry sync over a list of NIPs (resumable: each NIP's outcome is a row).
siasn_sync_job = sa.Table(
    "siasn_sync_job",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # queued running completed stopped
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("with_unor", sa.Boolean, nullable=False),
    sa.Column("unor_status", sa.String(200), nullable=True),
    sa.Column("message", sa.String(1000), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
)

siasn_sync_item = sa.Table(
    "siasn_sync_item",
    metadata,
    sa.Column("job_id", sa.String(36), sa.ForeignKey("siasn_sync_job.id"), primary_key=True),
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending done failed
    sa.Column("outcome", sa.String(16), nullable=True),  # registered updated unchanged
    sa.Column("kind", sa.String(32), nullable=True),
    sa.Column("resource", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(1000), nullable=True),
    sa.Column("alasan", sa.String(1000), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_siasn_sync_item_job_status", "job_id", "status", "position"),
)

#: Fingerprint of what was last applied from SIASN per key (a NIP, or `ref-unor:<instansi>`):
#: a re-run skips what did not change and emits nothing for it.
siasn_sync_state = sa.Table(
    "siasn_sync_state",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
)

# -- 0004: mutasi rounds (read model of `mutasi.round_changed`) ------------------------------

#: The rounds the matching service announces, as far as aspirations care: an employee may
#: state or change aspirations until the open round's `aspirations_close_at`. `sequence` is
#: the producer's event sequence: an older event replayed after a newer one changes nothing.
mutasi_round_view = sa.Table(
    "mutasi_round_view",
    metadata,
    sa.Column("round_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("aspirations_close_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
