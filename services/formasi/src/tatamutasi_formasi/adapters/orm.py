"""Tables of the formasi service (SQLAlchemy Core; the domain never sees them)."""

import sqlalchemy as sa

from tatamutasi_platform.db import new_metadata
from tatamutasi_platform.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _audit() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    ]


# Unit tree (UNOR): one row per version; valid_from inclusive, valid_to exclusive (NULL = open).
units = sa.Table(
    "units",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("parent_id", sa.String(64), nullable=True, index=True),
    sa.Column("unit_type", sa.String(40), nullable=False),
    sa.Column("eselon_id", sa.String(4), nullable=True),
    sa.Column("head_jabatan_name", sa.String(300), nullable=True),
    sa.Column("induk_id", sa.String(64), nullable=True),
    sa.Column("instansi_id", sa.String(42), nullable=True),
    sa.Column("closed", sa.Boolean, nullable=False, default=False),
    sa.Column("successor_id", sa.String(64), nullable=True),
    sa.Column("predecessor_ids", sa.Text, nullable=False, default="[]"),
    sa.Column("change", sa.String(20), nullable=False),
    sa.Column("origin", sa.String(10), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    *_audit(),
    sa.UniqueConstraint("unit_id", "valid_from", name="uq_units_unit_id_valid_from"),
)
sa.Index("ix_units_unit_id_valid_to", units.c.unit_id, units.c.valid_to)

jabatan = sa.Table(
    "jabatan",
    metadata,
    sa.Column("jabatan_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("jenis", sa.String(12), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("eselon_id", sa.String(4), nullable=True),
    sa.Column("jf_jenjang", sa.String(2), nullable=True),
    sa.Column("bkn_ref_id", sa.String(42), nullable=True),
    sa.Column("kelas_jabatan", sa.Integer, nullable=True),
    sa.Column("rumpun", sa.String(200), nullable=True),
    sa.Column("min_golongan_id", sa.String(4), nullable=True),
    sa.Column("max_golongan_id", sa.String(4), nullable=True),
    sa.Column("unit_types", sa.Text, nullable=False),
    sa.Column("requirements", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    *_audit(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)

# Needs (kebutuhan from ABK): versioned by effective date per unit x jabatan.
needs = sa.Table(
    "needs",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("abk_result", sa.Float, nullable=True),
    sa.Column("effective_hours", sa.Float, nullable=True),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("source_document", sa.String(300), nullable=True),
    sa.Column("decision_number", sa.String(200), nullable=True),
    sa.Column("decision_date", sa.Date, nullable=True),
    sa.Column("origin", sa.String(10), nullable=False),
    *_audit(),
    sa.UniqueConstraint("unit_id", "jabatan_id", "valid_from", name="uq_needs_post_valid_from"),
)
sa.Index("ix_needs_valid_to", needs.c.valid_to, needs.c.unit_id)

# Bezetting read model: fed only by pegawai events; each aspect remembers the producer
# sequence that last set it, so redelivered or out-of-order events cannot roll it back.
holders = sa.Table(
    "holders",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("kind", sa.String(8), nullable=True),
    sa.Column("unor_id", sa.String(64), nullable=False),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("jenis_jabatan", sa.String(2), nullable=True),
    sa.Column("tmt_jabatan", sa.Date, nullable=True),
    sa.Column("golongan_id", sa.String(4), nullable=True),
    sa.Column("education_level_id", sa.String(4), nullable=True),
    sa.Column("education_field", sa.String(300), nullable=True),
    sa.Column("tmt_pensiun", sa.Date, nullable=True),
    sa.Column("kedudukan_id", sa.String(4), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("placement_seq", sa.BigInteger, nullable=False),
    sa.Column("status_seq", sa.BigInteger, nullable=False),
    sa.Column("rank_seq", sa.BigInteger, nullable=False),
    sa.Column("education_seq", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The holder's qualification verdict against the requirements of their post, kept up to
    # date by the events that change it (service/verdicts.py): failed and unknown aspects
    # (comma-joined), the failed checks in Indonesian, and the jabatan version it was computed
    # against (0: jabatan not in the catalogue). NULL version: not computed yet; a version
    # that differs from the catalogue's: stale. The gap report recomputes both kinds live.
    sa.Column("qual_version", sa.Integer, nullable=True),
    sa.Column("qual_failed", sa.String(100), nullable=True),
    sa.Column("qual_unknown", sa.String(100), nullable=True),
    sa.Column("qual_detail", sa.Text, nullable=True),
)
sa.Index("ix_holders_post", holders.c.unor_id, holders.c.jabatan_id)

acting = sa.Table(
    "acting",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("unor_id", sa.String(64), primary_key=True),
    sa.Column("jabatan_id", sa.String(64), primary_key=True),
    sa.Column("jenis", sa.String(4), nullable=False),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
)

placement_history = sa.Table(
    "placement_history",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("unor_id", sa.String(64), nullable=False),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("tmt", sa.Date, nullable=True),
    sa.Column("effective", sa.Date, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
)

vacancies = sa.Table(
    "vacancies",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("since", sa.Date, nullable=False),
    sa.Column("closed_on", sa.Date, nullable=True),
)
sa.Index("ix_vacancies_post", vacancies.c.unit_id, vacancies.c.jabatan_id, vacancies.c.closed_on)

unor_sync_pages = sa.Table(
    "unor_sync_pages",
    metadata,
    sa.Column("sync_id", sa.String(64), primary_key=True),
    sa.Column("page", sa.Integer, primary_key=True),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("instansi_id", sa.String(42), nullable=False),
    sa.Column("units", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

unor_syncs = sa.Table(
    "unor_syncs",
    metadata,
    sa.Column("sync_id", sa.String(64), primary_key=True),
    sa.Column("instansi_id", sa.String(42), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
)

# Qualifications of holders, from pegawai.training_recorded (training codes, comma-joined,
# only the codes of domain/codes.py TRAINING_CODES; `training_on_record` once any training is
# recorded, so a missing required code is a gap, not unknown) and the latest
# pegawai.assessment_recorded of kind `kompetensi` (the managerial scores and their minimum).
holder_qualifications = sa.Table(
    "holder_qualifications",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("training", sa.Text, nullable=False),
    sa.Column("training_on_record", sa.Boolean, nullable=False),
    sa.Column("managerial_min", sa.Float, nullable=True),
    sa.Column("managerial_scores", sa.Text, nullable=True),
    sa.Column("assessment_year", sa.Integer, nullable=True),
    sa.Column("assessment_seq", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Every status an employee had (from registrations and pegawai.status_changed), so a gap
# report as of a past date counts only those active then.
status_history = sa.Table(
    "status_history",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("kedudukan_id", sa.String(4), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("effective", sa.Date, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
)

# Every version of every jabatan catalogue entry (the state after each change).
jabatan_versions = sa.Table(
    "jabatan_versions",
    metadata,
    sa.Column("jabatan_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("change", sa.String(10), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
)
