import sqlalchemy as sa

from tatamutasi_platform.db import new_metadata
from tatamutasi_platform.tables import add_platform_tables

metadata = new_metadata()
platform = add_platform_tables(metadata)

# Read model of the workforce that plans are computed over (fed by pegawai events).
workforce = sa.Table(
    "workforce",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("unor_id", sa.String(64), nullable=False),
    sa.Column("jabatan_id", sa.String(64), nullable=False),
    sa.Column("last_event_time", sa.String(40), nullable=False),
)

# Talent read models (0002): one JSON document per employee and per jabatan, and the
# formasi need per unit × jabatan. Documents are what the pure domain is built from.
employee_profile = sa.Table(
    "employee_profile",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("unor_id", sa.String(64), nullable=False, index=True),
    sa.Column("doc", sa.Text, nullable=False),
)

jabatan_catalogue = sa.Table(
    "jabatan_catalogue",
    metadata,
    sa.Column("jabatan_id", sa.String(64), primary_key=True),
    sa.Column("doc", sa.Text, nullable=False),
)

formasi_need = sa.Table(
    "formasi_need",
    metadata,
    sa.Column("unit_id", sa.String(64), primary_key=True),
    sa.Column("jabatan_id", sa.String(64), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# Plans (0002): one row per computed plan; the canonical result JSON is kept as text.
plan = sa.Table(
    "plan",
    metadata,
    sa.Column("plan_id", sa.String(36), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("scenario", sa.String(200)),
    sa.Column("request", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("input_sha256", sa.String(64)),
    sa.Column("config_sha256", sa.String(64)),
    sa.Column("result_sha256", sa.String(64)),
    sa.Column("objective", sa.BigInteger),
    sa.Column("moves", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("result", sa.Text),
)

# Waivers of failed `block` rules (0002), each also published as `mutasi.waiver_recorded`.
waiver = sa.Table(
    "waiver",
    metadata,
    sa.Column("waiver_id", sa.String(36), primary_key=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("rule_code", sa.String(64), nullable=False),
    sa.Column("post_id", sa.String(200)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("approver", sa.String(200), nullable=False),
    sa.Column("reference", sa.String(200)),
    sa.Column("created_at", sa.String(40), nullable=False),
)
