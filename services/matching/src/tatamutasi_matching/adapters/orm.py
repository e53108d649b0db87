import sqlalchemy as sa

from tatamutasi_platform.db import new_metadata
from tatamutasi_platform.tables import add_platform_tables
from tatamutasi_platform.webhooks_tables import add_webhook_tables

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

# -- mutasi workflow (0003) ----------------------------------------------------------------
# Rounds group proposals; a proposal is one move with its state, version (ETag) and the
# SK snapshot taken at execution. `proposal_active` holds one row per employee with an
# active proposal (its primary key makes "at most one active proposal" race-free).
mutasi_round = sa.Table(
    "mutasi_round",
    metadata,
    sa.Column("round_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("aspirations_close_at", sa.String(40)),
    sa.Column("planned_tmt", sa.Date),
    sa.Column("plan_id", sa.String(36)),
    sa.Column("batch_sk_number", sa.String(200)),
    sa.Column("batch_sk_date", sa.Date),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

proposal = sa.Table(
    "proposal",
    metadata,
    sa.Column("proposal_id", sa.String(36), primary_key=True),
    sa.Column("round_id", sa.String(36), index=True),
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("from_unor_id", sa.String(64)),
    sa.Column("from_jabatan_id", sa.String(64)),
    sa.Column("to_unor_id", sa.String(64), nullable=False),
    sa.Column("to_jabatan_id", sa.String(64), nullable=False),
    sa.Column("jenis_mutasi", sa.String(2), nullable=False),
    sa.Column("jenis_penugasan", sa.String(4), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("planned_tmt", sa.Date),
    sa.Column("backdate_reason", sa.Text),
    sa.Column("origin", sa.String(8), nullable=False),
    sa.Column("plan_id", sa.String(36), index=True),
    sa.Column("score", sa.Integer),
    sa.Column("plan_rank", sa.Integer),
    sa.Column("explanation", sa.Text),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_by_role", sa.String(40)),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("reviewed_by", sa.String(200)),
    sa.Column("recommendation", sa.String(16)),
    sa.Column("review_notes", sa.Text),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decision_reason", sa.Text),
    sa.Column("delegation_id", sa.String(36)),
    sa.Column("approval", sa.Text),
    sa.Column("approved_at", sa.String(40)),
    sa.Column("sk_number", sa.String(200)),
    sa.Column("sk_date", sa.Date),
    sa.Column("tmt", sa.Date),
    sa.Column("executed_at", sa.String(40)),
    sa.Column("snapshot", sa.Text),
    sa.Column("writeback_status", sa.String(16)),
    sa.Column("writeback_attempts", sa.Integer),
    sa.Column("writeback_error", sa.Text),
    sa.Column("rw_jabatan_id", sa.String(64)),
    sa.Column("superseded_by_plan_id", sa.String(36)),
)

proposal_active = sa.Table(
    "proposal_active",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("proposal_id", sa.String(36), nullable=False),
)

proposal_transition = sa.Table(
    "proposal_transition",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("proposal_id", sa.String(36), nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("from_state", sa.String(16)),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("actor_role", sa.String(40)),
    sa.Column("actor_nip", sa.String(18)),
    sa.Column("reason", sa.Text),
    sa.Column("eligibility", sa.Text),
    sa.Column("at", sa.String(40), nullable=False),
)

objection = sa.Table(
    "objection",
    metadata,
    sa.Column("objection_id", sa.String(36), primary_key=True),
    sa.Column("proposal_id", sa.String(36), nullable=False, index=True),
    sa.Column("round_id", sa.String(36), index=True),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("answer", sa.Text),
    sa.Column("answered_by", sa.String(200)),
    sa.Column("filed_at", sa.String(40), nullable=False),
    sa.Column("answered_at", sa.String(40)),
)

delegation = sa.Table(
    "delegation",
    metadata,
    sa.Column("delegation_id", sa.String(36), primary_key=True),
    sa.Column("delegator", sa.String(200), nullable=False),
    sa.Column("delegator_nip", sa.String(18)),
    sa.Column("delegate", sa.String(200), nullable=False, index=True),
    sa.Column("delegate_nip", sa.String(18)),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("reference", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

blackout = sa.Table(
    "blackout",
    metadata,
    sa.Column("blackout_id", sa.String(36), primary_key=True),
    sa.Column("basis", sa.String(500), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

# Read models for the workflow, fed by events: kinship facts between NIPs
# (`pegawai.family_updated`, stored as given; looked up in both directions), the unit
# directory (`formasi.unit_changed`: names for SK snapshots, parents and head eselon for the
# relative-as-head rule) and red flags raised by the audit service.
kinship = sa.Table(
    "kinship",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("other_nip", sa.String(18), primary_key=True),
    sa.Column("relation", sa.String(16), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Index("ix_kinship_other_nip", "other_nip"),
)

unit_directory = sa.Table(
    "unit_directory",
    metadata,
    sa.Column("unit_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("parent_id", sa.String(64)),
    sa.Column("eselon_id", sa.String(4)),
    sa.Column("closed", sa.Boolean, nullable=False),
)

flag_view = sa.Table(
    "flag_view",
    metadata,
    sa.Column("flag_id", sa.String(64), primary_key=True),
    sa.Column("rule_id", sa.String(8), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("proposal_id", sa.String(64), index=True),
    sa.Column("round_id", sa.String(64)),
    sa.Column("explanation_id", sa.Text, nullable=False),
    sa.Column("explanation_en", sa.Text, nullable=False),
    sa.Column("citation", sa.String(300), nullable=False),
)

# Webhook subscriptions, deliveries and their attempt log (0004; tatamutasi_platform.webhooks).
webhooks = add_webhook_tables(metadata)
