"""Generate the checked-in contract files under `contracts/` from the code.

`generate_all()` builds every file in memory (deterministically: sorted keys, stable order,
trailing newline); `write_or_check()` writes them, or reports drift without writing.
"""

import copy
import importlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from tatamutasi_cli.services import SERVICES
from tatamutasi_contracts import EVENT_TYPES, Envelope, Topic, dlq_topic

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_PREFIX = "urn:tatamutasi:schema:"
# Folders whose files are all generated: files no longer produced there are stale.
GENERATED_DIRS = ("schemas/events", "openapi")

# Who publishes each topic, and who consumes which topics.
PRODUCERS: dict[Topic, str] = {
    Topic.PEGAWAI: "pegawai",
    Topic.FORMASI: "formasi",
    Topic.MUTASI: "matching",
    Topic.AUDIT: "audit",
}
CONSUMERS: dict[str, tuple[Topic, ...]] = {
    "pegawai": (Topic.MUTASI,),
    "formasi": (Topic.PEGAWAI,),
    "matching": (Topic.PEGAWAI, Topic.FORMASI),
    "audit": tuple(Topic),
}

DLQ_HEADERS = {
    "dlq.reason": "Why the consumer could not process the record.",
    "dlq.consumer": "Name of the consumer that gave up on it.",
    "dlq.topic": "Topic the record was read from.",
    "dlq.partition": "Partition the record was read from (decimal).",
    "dlq.offset": "Offset of the record in that partition (decimal).",
    "dlq.time": "When it was dead-lettered (ISO 8601, UTC).",
}

ASYNCAPI_DESCRIPTION = """\
Events of TataMutasi, the planning and governance of civil-servant transfers (mutasi ASN).

Every message value is a CloudEvents 1.0 event in structured JSON mode (the envelope) with \
four extension attributes: `sequence` (per-producer gap-free integer, starting at 1; a hole \
means a lost event, fetched again from the producer's `GET /events?after=`), `traceparent` \
(W3C Trace Context), `actor` and `actorrole` (who caused it, in which role). `data` holds the \
payload whose schema is chosen by `type`.

The record key is the aggregate id (a NIP, a proposal id, ...), so the events of one \
aggregate stay in order. Inside a `v1` topic, schema changes are additive only.

A consumer that cannot process a record copies it unchanged to `<topic>.dlq`, with the \
headers dlq.reason, dlq.consumer, dlq.topic, dlq.partition, dlq.offset and dlq.time.
"""


def dump_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def envelope_schema() -> dict[str, Any]:
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID_PREFIX + "envelope",
        **Envelope.model_json_schema(),
    }


def event_schema(event_type: str) -> dict[str, Any]:
    spec = EVENT_TYPES[event_type]
    schema = spec.model.model_json_schema()
    description = schema.get("description", spec.summary)
    return {
        **schema,
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"{SCHEMA_ID_PREFIX}events:{event_type}",
        "title": event_type,
        "description": f"{description}\n\nPayload (`data`) of `{event_type}` events on topic "
        f"`{spec.topic.value}`.",
    }


def _component_schema(model: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """A model's schema with its nested definitions lifted into `components/schemas`."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"two different schemas are both called {name!r}")
    return schema


def _channel_id(topic: Topic) -> str:
    return topic.name.lower()


def asyncapi() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    schemas["Envelope"] = _component_schema(Envelope, schemas)
    messages: dict[str, Any] = {}
    for event_type in sorted(EVENT_TYPES):
        spec = EVENT_TYPES[event_type]
        schemas[event_type] = _component_schema(spec.model, schemas)
        full = copy.deepcopy(schemas["Envelope"])
        full["title"] = f"{event_type} event"
        full["properties"]["type"] = {"const": event_type, "type": "string"}
        full["properties"]["data"] = {"$ref": f"#/components/schemas/{event_type}"}
        schemas[f"{event_type}.envelope"] = full
        messages[event_type] = {
            "name": event_type,
            "title": event_type,
            "summary": spec.summary,
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{event_type}.envelope"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": "The aggregate id (`subject`)."},
                    "bindingVersion": "0.5.0",
                }
            },
        }
    messages["dead_letter"] = {
        "name": "dead_letter",
        "title": "Dead letter",
        "summary": "A record a consumer could not process, copied unchanged with the reason.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "required": list(DLQ_HEADERS),
            "properties": {h: {"type": "string", "description": d} for h, d in DLQ_HEADERS.items()},
        },
        "payload": {
            "description": "The original record value, byte for byte (it may be "
            "malformed JSON or an invalid envelope)."
        },
    }

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in Topic:
        cid, producer = _channel_id(topic), PRODUCERS[topic]
        names = [t for t in sorted(EVENT_TYPES) if EVENT_TYPES[t].topic is topic]
        channels[cid] = {
            "address": topic.value,
            "title": topic.value,
            "description": f"Events published by the {producer} service; key = aggregate id.",
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
        }
        channels[f"{cid}_dlq"] = {
            "address": dlq_topic(topic.value),
            "title": dlq_topic(topic.value),
            "description": f"Dead letters of `{topic.value}`.",
            "messages": {"dead_letter": {"$ref": "#/components/messages/dead_letter"}},
        }
        operations[f"{producer}_sends_{cid}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"The {producer} service publishes its events (transactional outbox).",
        }
        if names:
            operations[f"{producer}_sends_{cid}"]["messages"] = [
                {"$ref": f"#/channels/{cid}/messages/{n}"} for n in names
            ]
    for consumer, topics in CONSUMERS.items():
        for topic in topics:
            cid = _channel_id(topic)
            operations[f"{consumer}_receives_{cid}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{cid}"},
                "summary": f"The {consumer} service consumes `{topic.value}` idempotently.",
            }
            operations[f"{consumer}_sends_{cid}_dlq"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{cid}_dlq"},
                "summary": f"The {consumer} service dead-letters records of `{topic.value}` "
                "it cannot process.",
                "messages": [{"$ref": f"#/channels/{cid}_dlq/messages/dead_letter"}],
            }

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "TataMutasi events",
            "version": version("tatamutasi"),
            "description": ASYNCAPI_DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "development": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "development tansu broker",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def openapi(factory: str) -> dict[str, Any]:
    """The app's OpenAPI document, built with default settings and without its lifespan."""
    module, _, name = factory.partition(":")
    app = getattr(importlib.import_module(module), name)()
    return app.openapi()


def generate_all() -> dict[str, str]:
    files = {"schemas/envelope.json": dump_json(envelope_schema())}
    for event_type in sorted(EVENT_TYPES):
        files[f"schemas/events/{event_type}.json"] = dump_json(event_schema(event_type))
    files["asyncapi.yaml"] = yaml.safe_dump(asyncapi(), sort_keys=False, allow_unicode=True)
    for service in SERVICES:
        files[f"openapi/{service.name}.json"] = dump_json(openapi(service.factory))
    return files


def write_or_check(files: dict[str, str], out: Path, *, check: bool) -> list[str]:
    """Write `files` under `out` and delete stale generated files; or, with `check`, write
    nothing and return the relative paths that are missing, different or stale."""
    stale = sorted(
        rel
        for folder in GENERATED_DIRS
        for path in (out / folder).glob("*.json")
        if (rel := path.relative_to(out).as_posix()) not in files
    )
    if check:
        changed = [
            rel
            for rel, text in files.items()
            if not (out / rel).is_file() or (out / rel).read_bytes() != text.encode()
        ]
        return sorted(changed + stale)
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    for rel in stale:
        (out / rel).unlink()
    return []
