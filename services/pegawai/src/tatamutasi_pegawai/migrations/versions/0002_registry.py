"""Full registry: identity, status, placement, rank, education; personal data apart;
append-only histories (jabatan, golongan, pendidikan, diklat, SKP, asesmen, hukdis, status,
identity corrections), family and aspirations.

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


def upgrade() -> None:
    op.create_table(
        "aspirasi",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("unor_id", sa.String(length=64), nullable=True),
        sa.Column("jabatan_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["nip"], ["pegawai.nip"], name=op.f("fk_aspirasi_nip_pegawai")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aspirasi")),
    )
    op.create_index(op.f("ix_aspirasi_nip"), "aspirasi", ["nip"], unique=False)
    op.create_index(op.f("ix_aspirasi_statement_id"), "aspirasi", ["statement_id"], unique=False)
    op.create_table(
        "keluarga",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("relation", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("relative_nip", sa.String(length=18), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("birth_place", sa.String(length=100), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["nip"], ["pegawai.nip"], name=op.f("fk_keluarga_nip_pegawai")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keluarga")),
    )
    op.create_index(op.f("ix_keluarga_nik"), "keluarga", ["nik"], unique=False)
    op.create_index(op.f("ix_keluarga_nip"), "keluarga", ["nip"], unique=False)
    op.create_table(
        "pegawai_personal",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("birth_place", sa.String(length=100), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_pegawai_personal_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("nip", name=op.f("pk_pegawai_personal")),
    )
    op.create_index(
        op.f("ix_pegawai_personal_birth_date"), "pegawai_personal", ["birth_date"], unique=False
    )
    op.create_index(op.f("ix_pegawai_personal_nik"), "pegawai_personal", ["nik"], unique=False)
    op.create_table(
        "riwayat_asesmen",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("scores", sa.Text(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("standard_level", sa.Integer(), nullable=True),
        sa.Column("jpm", sa.Float(), nullable=True),
        sa.Column("assessor", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_asesmen_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_asesmen")),
    )
    op.create_index(op.f("ix_riwayat_asesmen_nip"), "riwayat_asesmen", ["nip"], unique=False)
    op.create_table(
        "riwayat_diklat",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("jenis_diklat_id", sa.String(length=42), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("organiser", sa.String(length=300), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_diklat_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_diklat")),
    )
    op.create_index(op.f("ix_riwayat_diklat_nip"), "riwayat_diklat", ["nip"], unique=False)
    op.create_table(
        "riwayat_golongan",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("golongan_id", sa.String(length=4), nullable=False),
        sa.Column("tmt", sa.Date(), nullable=True),
        sa.Column("sk_number", sa.String(length=200), nullable=True),
        sa.Column("sk_date", sa.Date(), nullable=True),
        sa.Column("mk_tahun", sa.Integer(), nullable=True),
        sa.Column("mk_bulan", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_golongan_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_golongan")),
    )
    op.create_index(op.f("ix_riwayat_golongan_nip"), "riwayat_golongan", ["nip"], unique=False)
    op.create_table(
        "riwayat_hukdis",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("jenis_hukuman_id", sa.String(length=42), nullable=True),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("sk_number", sa.String(length=200), nullable=True),
        sa.Column("sk_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_hukdis_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_hukdis")),
    )
    op.create_index(op.f("ix_riwayat_hukdis_nip"), "riwayat_hukdis", ["nip"], unique=False)
    op.create_table(
        "riwayat_identitas",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.String(length=1000), nullable=False),
        sa.Column("previous", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_identitas_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_identitas")),
    )
    op.create_index(op.f("ix_riwayat_identitas_nip"), "riwayat_identitas", ["nip"], unique=False)
    op.create_table(
        "riwayat_jabatan",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("unor_id", sa.String(length=64), nullable=False),
        sa.Column("unor_name", sa.String(length=300), nullable=True),
        sa.Column("jabatan_id", sa.String(length=64), nullable=False),
        sa.Column("jabatan_name", sa.String(length=300), nullable=True),
        sa.Column("jenis_jabatan", sa.String(length=2), nullable=True),
        sa.Column("eselon_id", sa.String(length=4), nullable=True),
        sa.Column("jenis_penugasan", sa.String(length=4), nullable=False),
        sa.Column("tmt", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("sk_number", sa.String(length=200), nullable=True),
        sa.Column("sk_date", sa.Date(), nullable=True),
        sa.Column("proposal_id", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_jabatan_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_jabatan")),
    )
    op.create_index(op.f("ix_riwayat_jabatan_nip"), "riwayat_jabatan", ["nip"], unique=False)
    op.create_table(
        "riwayat_pendidikan",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("level_id", sa.String(length=4), nullable=False),
        sa.Column("field_id", sa.String(length=42), nullable=True),
        sa.Column("field_name", sa.String(length=300), nullable=True),
        sa.Column("school", sa.String(length=300), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("certificate_number", sa.String(length=100), nullable=True),
        sa.Column("highest", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_pendidikan_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_pendidikan")),
    )
    op.create_index(op.f("ix_riwayat_pendidikan_nip"), "riwayat_pendidikan", ["nip"], unique=False)
    op.create_table(
        "riwayat_skp",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("hasil_kinerja", sa.Integer(), nullable=True),
        sa.Column("perilaku_kerja", sa.Integer(), nullable=True),
        sa.Column("predikat", sa.Integer(), nullable=False),
        sa.Column("penilai_nip", sa.String(length=18), nullable=True),
        sa.Column("penilai_name", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_skp_nip_pegawai")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_skp")),
    )
    op.create_index(op.f("ix_riwayat_skp_nip"), "riwayat_skp", ["nip"], unique=False)
    op.create_table(
        "riwayat_status",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("kedudukan_id", sa.String(length=4), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("effective", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("siasn_id", sa.String(length=42), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["pegawai.nip"], name=op.f("fk_riwayat_status_nip_pegawai")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_riwayat_status")),
    )
    op.create_index(op.f("ix_riwayat_status_nip"), "riwayat_status", ["nip"], unique=False)
    op.add_column("pegawai", sa.Column("siasn_id", sa.String(length=42), nullable=True))
    op.add_column("pegawai", sa.Column("gelar_depan", sa.String(length=100), nullable=True))
    op.add_column("pegawai", sa.Column("gelar_belakang", sa.String(length=100), nullable=True))
    op.add_column("pegawai", sa.Column("sex", sa.String(length=1), nullable=True))
    op.add_column("pegawai", sa.Column("agama_id", sa.String(length=4), nullable=True))
    op.add_column(
        "pegawai",
        sa.Column("kedudukan_id", sa.String(length=4), server_default="01", nullable=False),
    )
    op.add_column(
        "pegawai", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("pegawai", sa.Column("tmt_cpns", sa.Date(), nullable=True))
    op.add_column("pegawai", sa.Column("tmt_pns", sa.Date(), nullable=True))
    op.add_column("pegawai", sa.Column("tmt_pensiun", sa.Date(), nullable=True))
    op.add_column("pegawai", sa.Column("contract_end", sa.Date(), nullable=True))
    op.add_column("pegawai", sa.Column("jabatan_name", sa.String(length=300), nullable=True))
    op.add_column("pegawai", sa.Column("jenis_jabatan", sa.String(length=2), nullable=True))
    op.add_column("pegawai", sa.Column("eselon_id", sa.String(length=4), nullable=True))
    op.add_column("pegawai", sa.Column("tmt_jabatan", sa.Date(), nullable=True))
    op.add_column("pegawai", sa.Column("golongan_id", sa.String(length=4), nullable=True))
    op.add_column("pegawai", sa.Column("tmt_golongan", sa.Date(), nullable=True))
    op.add_column("pegawai", sa.Column("education_level_id", sa.String(length=4), nullable=True))
    op.add_column("pegawai", sa.Column("education_field", sa.String(length=300), nullable=True))
    op.add_column("pegawai", sa.Column("education_year", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_pegawai_golongan_id"), "pegawai", ["golongan_id"], unique=False)
    op.create_index("ix_pegawai_jabatan_id", "pegawai", ["jabatan_id"], unique=False)
    op.create_index("ix_pegawai_siasn_id", "pegawai", ["siasn_id"], unique=True)
    op.create_index(op.f("ix_pegawai_tmt_pensiun"), "pegawai", ["tmt_pensiun"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pegawai_tmt_pensiun"), table_name="pegawai")
    op.drop_index("ix_pegawai_siasn_id", table_name="pegawai")
    op.drop_index("ix_pegawai_jabatan_id", table_name="pegawai")
    op.drop_index(op.f("ix_pegawai_golongan_id"), table_name="pegawai")
    with op.batch_alter_table("pegawai") as batch:
        batch.drop_column("education_year")
        batch.drop_column("education_field")
        batch.drop_column("education_level_id")
        batch.drop_column("tmt_golongan")
        batch.drop_column("golongan_id")
        batch.drop_column("tmt_jabatan")
        batch.drop_column("eselon_id")
        batch.drop_column("jenis_jabatan")
        batch.drop_column("jabatan_name")
        batch.drop_column("contract_end")
        batch.drop_column("tmt_pensiun")
        batch.drop_column("tmt_pns")
        batch.drop_column("tmt_cpns")
        batch.drop_column("active")
        batch.drop_column("kedudukan_id")
        batch.drop_column("agama_id")
        batch.drop_column("sex")
        batch.drop_column("gelar_belakang")
        batch.drop_column("gelar_depan")
        batch.drop_column("siasn_id")
    op.drop_index(op.f("ix_riwayat_status_nip"), table_name="riwayat_status")
    op.drop_table("riwayat_status")
    op.drop_index(op.f("ix_riwayat_skp_nip"), table_name="riwayat_skp")
    op.drop_table("riwayat_skp")
    op.drop_index(op.f("ix_riwayat_pendidikan_nip"), table_name="riwayat_pendidikan")
    op.drop_table("riwayat_pendidikan")
    op.drop_index(op.f("ix_riwayat_jabatan_nip"), table_name="riwayat_jabatan")
    op.drop_table("riwayat_jabatan")
    op.drop_index(op.f("ix_riwayat_identitas_nip"), table_name="riwayat_identitas")
    op.drop_table("riwayat_identitas")
    op.drop_index(op.f("ix_riwayat_hukdis_nip"), table_name="riwayat_hukdis")
    op.drop_table("riwayat_hukdis")
    op.drop_index(op.f("ix_riwayat_golongan_nip"), table_name="riwayat_golongan")
    op.drop_table("riwayat_golongan")
    op.drop_index(op.f("ix_riwayat_diklat_nip"), table_name="riwayat_diklat")
    op.drop_table("riwayat_diklat")
    op.drop_index(op.f("ix_riwayat_asesmen_nip"), table_name="riwayat_asesmen")
    op.drop_table("riwayat_asesmen")
    op.drop_index(op.f("ix_pegawai_personal_nik"), table_name="pegawai_personal")
    op.drop_index(op.f("ix_pegawai_personal_birth_date"), table_name="pegawai_personal")
    op.drop_table("pegawai_personal")
    op.drop_index(op.f("ix_keluarga_nip"), table_name="keluarga")
    op.drop_index(op.f("ix_keluarga_nik"), table_name="keluarga")
    op.drop_table("keluarga")
    op.drop_index(op.f("ix_aspirasi_statement_id"), table_name="aspirasi")
    op.drop_index(op.f("ix_aspirasi_nip"), table_name="aspirasi")
    op.drop_table("aspirasi")
