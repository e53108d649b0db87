"""Unit tree with history, jabatan catalogue, needs, the bezetting read model (holders,
acting posts, placement history), vacancies and SIASN UNOR sync pages.

The 0001 `placements` read model is carried into `holders` and dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def audit() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("unit_type", sa.String(40), nullable=False),
        sa.Column("eselon_id", sa.String(4), nullable=True),
        sa.Column("head_jabatan_name", sa.String(300), nullable=True),
        sa.Column("induk_id", sa.String(64), nullable=True),
        sa.Column("instansi_id", sa.String(42), nullable=True),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("successor_id", sa.String(64), nullable=True),
        sa.Column("predecessor_ids", sa.Text, nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *audit(),
        sa.UniqueConstraint("unit_id", "valid_from", name="uq_units_unit_id_valid_from"),
    )
    op.create_index("ix_units_parent_id", "units", ["parent_id"])
    op.create_index("ix_units_unit_id_valid_to", "units", ["unit_id", "valid_to"])
    op.create_table(
        "jabatan",
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
        *audit(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "needs",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
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
        *audit(),
        sa.UniqueConstraint("unit_id", "jabatan_id", "valid_from", name="uq_needs_post_valid_from"),
    )
    op.create_index("ix_needs_valid_to", "needs", ["valid_to", "unit_id"])
    op.create_table(
        "holders",
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
    )
    op.create_index("ix_holders_post", "holders", ["unor_id", "jabatan_id"])
    op.create_table(
        "acting",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("unor_id", sa.String(64), primary_key=True),
        sa.Column("jabatan_id", sa.String(64), primary_key=True),
        sa.Column("jenis", sa.String(4), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "placement_history",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("unor_id", sa.String(64), nullable=False),
        sa.Column("jabatan_id", sa.String(64), nullable=False),
        sa.Column("tmt", sa.Date, nullable=True),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
    )
    op.create_index("ix_placement_history_nip", "placement_history", ["nip"])
    op.create_table(
        "vacancies",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("jabatan_id", sa.String(64), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
    )
    op.create_index("ix_vacancies_post", "vacancies", ["unit_id", "jabatan_id", "closed_on"])
    op.create_table(
        "unor_sync_pages",
        sa.Column("sync_id", sa.String(64), primary_key=True),
        sa.Column("page", sa.Integer, primary_key=True),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("instansi_id", sa.String(42), nullable=False),
        sa.Column("units", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "unor_syncs",
        sa.Column("sync_id", sa.String(64), primary_key=True),
        sa.Column("instansi_id", sa.String(42), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
    )
    # Carry the 0001 read model over (its rows came from pegawai.registered events).
    op.execute(
        "INSERT INTO holders (nip, unor_id, jabatan_id, active, placement_seq, status_seq, "
        "rank_seq, education_seq, updated_at) SELECT nip, unor_id, jabatan_id, true, 0, 0, 0, "
        "0, CURRENT_TIMESTAMP FROM placements"
    )
    op.drop_index("ix_placements_unor_id", table_name="placements")
    op.drop_table("placements")


def downgrade() -> None:
    op.create_table(
        "placements",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("unor_id", sa.String(64), nullable=False),
        sa.Column("jabatan_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_placements_unor_id", "placements", ["unor_id"])
    op.execute(
        "INSERT INTO placements (nip, unor_id, jabatan_id, event_id, updated_at) "
        "SELECT nip, unor_id, jabatan_id, 'migrated', '' FROM holders WHERE active"
    )
    for index, table in (
        ("ix_vacancies_post", "vacancies"),
        ("ix_placement_history_nip", "placement_history"),
        ("ix_holders_post", "holders"),
        ("ix_needs_valid_to", "needs"),
        ("ix_units_unit_id_valid_to", "units"),
        ("ix_units_parent_id", "units"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "unor_syncs",
        "unor_sync_pages",
        "vacancies",
        "placement_history",
        "acting",
        "holders",
        "needs",
        "jabatan",
        "units",
    ):
        op.drop_table(table)
