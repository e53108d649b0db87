"""The contracts: generated files match the code, are valid, and mean what they say."""

import importlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml
from jsonschema import Draft202012Validator

from tatamutasi_cli.contracts_gen import (
    CONSUMERS,
    PRODUCERS,
    generate_all,
    openapi,
    write_or_check,
)
from tatamutasi_cli.services import SERVICES
from tatamutasi_contracts import ALL_TOPICS, EVENT_TYPES, Topic, dlq_topic, validate_event
from tatamutasi_contracts.envelope import format_time
from tatamutasi_contracts.pegawai import PegawaiRegistered
from tatamutasi_contracts.registry import UnknownEventType

CONTRACTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return generate_all()


def json_files(files: dict[str, str], prefix: str) -> dict[str, Any]:
    return {rel: json.loads(text) for rel, text in files.items() if rel.startswith(prefix)}


def good_envelope(**changes: Any) -> dict[str, Any]:
    env: dict[str, Any] = {
        "specversion": "1.0",
        "id": "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e",
        "source": "/tatamutasi/pegawai",
        "type": "pegawai.registered",
        "time": "2025-01-02T03:04:05.000000Z",
        "subject": "198001012005011001",
        "datacontenttype": "application/json",
        "sequence": 1,
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "actor": "admin-1",
        "actorrole": "admin",
        "data": {
            "nip": "198001012005011001",
            "name": "Dr. Siti Rahmawati, S.E., M.Si.",
            "unor_id": "U-BKD",
            "jabatan_id": "J-ANALIS-SDM",
        },
    }
    env.update(changes)
    return env


# --- drift -------------------------------------------------------------------------------


def test_checked_in_contracts_match_the_code(files: dict[str, str]) -> None:
    drift = write_or_check(files, CONTRACTS, check=True)
    assert drift == [], f"contracts/ drifted from the code in {drift}; run `make contracts`"


def test_the_drift_check_detects_changed_missing_and_stale_files(
    files: dict[str, str], tmp_path: Path
) -> None:
    assert write_or_check(files, tmp_path, check=False) == []
    assert write_or_check(files, tmp_path, check=True) == []

    (tmp_path / "asyncapi.yaml").write_text("asyncapi: 3.0.0\n", encoding="utf-8")
    (tmp_path / "openapi/audit.json").unlink()
    (tmp_path / "openapi/retired.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "schemas/events/pegawai.vanished.json").write_text("{}\n", encoding="utf-8")

    expected = [
        "asyncapi.yaml",
        "openapi/audit.json",
        "openapi/retired.json",
        "schemas/events/pegawai.vanished.json",
    ]
    assert write_or_check(files, tmp_path, check=True) == expected
    assert not (tmp_path / "openapi/audit.json").exists(), "check must write nothing"

    assert write_or_check(files, tmp_path, check=False) == []
    assert not (tmp_path / "openapi/retired.json").exists()
    assert write_or_check(files, tmp_path, check=True) == []


def test_generation_is_deterministic(files: dict[str, str]) -> None:
    assert generate_all() == files
    assert all(text.endswith("\n") for text in files.values())


def test_building_the_apps_touches_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for service in SERVICES:
        openapi(service.factory)
    assert list(tmp_path.iterdir()) == []


# --- JSON Schemas ------------------------------------------------------------------------


def test_every_event_type_has_a_schema(files: dict[str, str]) -> None:
    assert sorted(json_files(files, "schemas/events/")) == [
        f"schemas/events/{t}.json" for t in sorted(EVENT_TYPES)
    ]


def test_every_generated_json_schema_is_valid(files: dict[str, str]) -> None:
    schemas = json_files(files, "schemas/")
    assert "schemas/envelope.json" in schemas
    for rel, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", rel
        assert schema["$id"].startswith("urn:tatamutasi:schema:"), rel


def test_event_schema_names_its_type_and_topic(files: dict[str, str]) -> None:
    schema = json.loads(files["schemas/events/pegawai.registered.json"])
    assert schema["title"] == "pegawai.registered"
    assert "tatamutasi.pegawai.v1" in schema["description"]


@pytest.fixture(scope="module")
def validators(files: dict[str, str]) -> tuple[Draft202012Validator, Draft202012Validator]:
    envelope = json.loads(files["schemas/envelope.json"])
    event = json.loads(files["schemas/events/pegawai.registered.json"])
    return Draft202012Validator(envelope), Draft202012Validator(event)


def test_a_good_event_is_valid_against_the_schemas(
    validators: tuple[Draft202012Validator, Draft202012Validator],
) -> None:
    envelope, event = validators
    sample = good_envelope()
    envelope.validate(sample)
    event.validate(sample["data"])
    validate_event(sample)  # the code agrees with the schemas


@pytest.mark.parametrize(
    ("case", "sample"),
    [
        ("bad NIP", good_envelope(data={**good_envelope()["data"], "nip": "12345"})),
        (
            "NIP with letters",
            good_envelope(data={**good_envelope()["data"], "nip": "19800101200501100X"}),
        ),
        ("missing sequence", {k: v for k, v in good_envelope().items() if k != "sequence"}),
        ("sequence 0", good_envelope(sequence=0)),
        ("bad traceparent", good_envelope(traceparent="not-a-trace")),
        ("wrong specversion", good_envelope(specversion="0.3")),
    ],
)
def test_bad_events_fail_the_schemas_and_the_code(
    validators: tuple[Draft202012Validator, Draft202012Validator],
    case: str,
    sample: dict[str, Any],
) -> None:
    envelope, event = validators
    errors = list(envelope.iter_errors(sample)) + list(event.iter_errors(sample["data"]))
    assert errors, f"{case}: the schemas accepted it"
    with pytest.raises(pydantic.ValidationError):
        validate_event(sample)


# --- AsyncAPI ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def asyncapi(files: dict[str, str]) -> dict[str, Any]:
    return yaml.safe_load(files["asyncapi.yaml"])


def test_asyncapi_is_version_3_with_the_dev_broker(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi["info"]["title"] == "TataMutasi events"
    assert "CloudEvents 1.0" in asyncapi["info"]["description"]
    assert "dlq.reason" in asyncapi["info"]["description"]
    [server] = asyncapi["servers"].values()
    assert server["host"] == "127.0.0.1:19092"
    assert server["protocol"] == "kafka"


def test_asyncapi_has_a_channel_for_every_topic_and_its_dlq(asyncapi: dict[str, Any]) -> None:
    addresses = {c["address"] for c in asyncapi["channels"].values()}
    assert addresses == set(ALL_TOPICS) | {dlq_topic(t) for t in ALL_TOPICS}


def test_every_event_type_is_a_message_on_its_topic(asyncapi: dict[str, Any]) -> None:
    assert set(EVENT_TYPES) <= set(asyncapi["components"]["messages"])
    for event_type, spec in EVENT_TYPES.items():
        [channel] = [c for c in asyncapi["channels"].values() if c["address"] == spec.topic.value]
        assert event_type in channel["messages"]


def test_asyncapi_operations_name_producers_and_consumers(asyncapi: dict[str, Any]) -> None:
    channels = asyncapi["channels"]
    actions: set[tuple[str, str]] = set()
    for op in asyncapi["operations"].values():
        channel = channels[op["channel"]["$ref"].removeprefix("#/channels/")]
        actions.add((op["action"], channel["address"]))
    for topic in Topic:
        assert ("send", topic.value) in actions
    for topics in CONSUMERS.values():
        for topic in topics:
            assert ("receive", topic.value) in actions
            assert ("send", dlq_topic(topic.value)) in actions
    assert Topic.MUTASI in CONSUMERS["pegawai"]
    assert set(CONSUMERS["audit"]) == set(Topic)


def test_producers_match_what_the_services_publish() -> None:
    for service in SERVICES:
        spec = importlib.import_module(service.factory.partition(":")[0]).SPEC
        assert list(spec.publishes) == [t.value for t, p in PRODUCERS.items() if p == service.name]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: Any, ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_asyncapi_ref_resolves_inside_the_document(asyncapi: dict[str, Any]) -> None:
    refs = _refs(asyncapi)
    assert refs
    for ref in refs:
        try:
            _resolve(asyncapi, ref)
        except (KeyError, IndexError, TypeError):
            pytest.fail(f"unresolvable $ref {ref}")


def test_asyncapi_event_payload_is_the_envelope_with_typed_data(asyncapi: dict[str, Any]) -> None:
    message = asyncapi["components"]["messages"]["pegawai.registered"]
    payload = _resolve(asyncapi, message["payload"]["$ref"])
    assert payload["properties"]["type"]["const"] == "pegawai.registered"
    data = _resolve(asyncapi, payload["properties"]["data"]["$ref"])
    assert data["required"] == ["nip", "name", "unor_id", "jabatan_id"]


# --- OpenAPI -----------------------------------------------------------------------------


def test_openapi_documents_exist_for_every_service(files: dict[str, str]) -> None:
    assert sorted(json_files(files, "openapi/")) == sorted(
        f"openapi/{s.name}.json" for s in SERVICES
    )


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_openapi_has_platform_paths_and_unique_operation_ids(
    files: dict[str, str], service: str
) -> None:
    doc = json.loads(files[f"openapi/{service}.json"])
    assert {"/healthz", "/readyz", "/metrics", "/events"} <= set(doc["paths"])
    ids = [
        op["operationId"]
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert ids, service
    assert len(ids) == len(set(ids)), f"{service}: duplicate operation ids {sorted(ids)}"


# --- tatamutasi_contracts ----------------------------------------------------------------


def test_validate_event_accepts_a_good_envelope_in_every_form() -> None:
    sample = good_envelope()
    for raw in (sample, json.dumps(sample), json.dumps(sample).encode()):
        envelope, payload = validate_event(raw)
        assert envelope.type == "pegawai.registered"
        assert envelope.sequence == 1
        assert isinstance(payload, PegawaiRegistered)
        assert payload.nip == "198001012005011001"


def test_validate_event_keeps_unknown_extensions_and_ignores_unknown_payload_fields() -> None:
    sample = good_envelope(myext="x", data={**good_envelope()["data"], "added_later": 1})
    envelope, payload = validate_event(sample)
    assert envelope.model_extra == {"myext": "x"}
    assert not hasattr(payload, "added_later")


def test_validate_event_rejects_unknown_types() -> None:
    with pytest.raises(UnknownEventType, match="pegawai.promoted"):
        validate_event(good_envelope(type="pegawai.promoted"))


@pytest.mark.parametrize("raw", [b"{not json", "", b"\xff\xfe", "[1, 2]"])
def test_validate_event_rejects_bad_json(raw: bytes | str) -> None:
    with pytest.raises(ValueError):
        validate_event(raw)


@pytest.mark.parametrize(
    "field", ["specversion", "id", "source", "type", "time", "sequence", "actor", "data"]
)
def test_validate_event_rejects_missing_fields(field: str) -> None:
    sample = {k: v for k, v in good_envelope().items() if k != field}
    with pytest.raises(pydantic.ValidationError):
        validate_event(sample)


def test_validate_event_rejects_a_payload_missing_fields() -> None:
    data = {k: v for k, v in good_envelope()["data"].items() if k != "unor_id"}
    with pytest.raises(pydantic.ValidationError, match="unor_id"):
        validate_event(good_envelope(data=data))


def test_dlq_topic() -> None:
    assert dlq_topic("tatamutasi.pegawai.v1") == "tatamutasi.pegawai.v1.dlq"
    assert [dlq_topic(t) for t in Topic] == [f"{t.value}.dlq" for t in Topic]


def test_every_event_type_lives_on_its_domains_topic() -> None:
    for event_type, spec in EVENT_TYPES.items():
        assert spec.type == event_type
        assert spec.topic.value == f"tatamutasi.{event_type.split('.')[0]}.v1"
        assert spec.summary


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "2025-01-02T03:04:05.000000Z"),
        (
            datetime(2025, 1, 2, 10, 4, 5, 123456, tzinfo=timezone(timedelta(hours=7))),
            "2025-01-02T03:04:05.123456Z",
        ),
    ],
)
def test_format_time_is_utc_with_z(value: datetime, text: str) -> None:
    assert format_time(value) == text


def test_format_time_round_trips_through_the_envelope() -> None:
    when = datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)
    envelope, _ = validate_event(good_envelope(time=format_time(when)))
    assert envelope.time == when
