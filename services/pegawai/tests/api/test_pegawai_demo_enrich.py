"""The demo enrichment (`tatamutasi_cli.demo_pegawai`) runs against the real API, fills
every history, links a married couple, and a second run changes nothing. Every event it
causes is a valid contract envelope once relayed (payload, key = NIP, actor recorded)."""

from collections.abc import Sequence

import orjson
from fastapi.testclient import TestClient
from pegawai_registry_helpers import Headers, events

from tatamutasi_cli import demo, demo_pegawai
from tatamutasi_contracts import validate_event
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.outbox import OutboxRelay, Publisher


class Recording(Publisher):
    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes | None, bytes]] = []

    @property
    def ready(self) -> bool:
        return True

    async def publish(self, messages: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        self.messages.extend(messages)


def test_enrich_fills_histories_and_is_idempotent(
    client: TestClient, auth_headers: Headers
) -> None:
    client.headers.update(auth_headers("admin", sub="demo-admin"))
    people = demo.demo_pegawai(6)
    for p in people:
        r = client.post(
            "/pegawai",
            json={"nip": p.nip, "name": p.name, "unor_id": p.unor_id, "jabatan_id": p.jabatan_id},
        )
        assert r.status_code == 201, r.text
    summary = demo_pegawai.enrich(client, people)
    assert summary.startswith("pegawai demo: 6 enriched"), summary
    first = events(client)
    types = {e["type"] for e in first}
    assert types >= {
        "pegawai.placement_changed",
        "pegawai.acting_changed",
        "pegawai.rank_changed",
        "pegawai.education_recorded",
        "pegawai.training_recorded",
        "pegawai.performance_recorded",
        "pegawai.assessment_recorded",
        "pegawai.discipline_recorded",
        "pegawai.family_updated",
        "pegawai.aspiration_stated",
    }
    spouses = [
        f
        for e in first
        if e["type"] == "pegawai.family_updated"
        for f in e["data"]["relations"]
        if f["relation"] == "spouse"
    ]
    assert spouses and all(f["basis"].startswith("nik") for f in spouses)
    one = client.get(f"/pegawai/{people[0].nip}").json()
    assert one["sex"] in ("M", "F") and one["personal"]["nik"] and one["golongan_id"]
    assert one["unor_id"] == people[0].unor_id  # the backdated earlier post did not move it
    again = demo_pegawai.enrich(client, people)
    assert again == "pegawai demo: 0 enriched, 0 history rows added, 6 already complete"
    assert len(events(client)) == len(first)
    _relay_and_validate(client, len(first))


def _relay_and_validate(client: TestClient, expected: int) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    pub = Recording()
    relay = OutboxRelay(runtime.engine, runtime.tables, "/tatamutasi/pegawai", pub, Metrics())

    async def drain() -> None:
        while await relay.relay_once():
            pass

    assert client.portal is not None
    client.portal.call(drain)
    assert len(pub.messages) == expected
    for topic, key, value in pub.messages:
        envelope, _model = validate_event(value)
        assert topic == "tatamutasi.pegawai.v1"
        assert key == envelope.subject.encode() and len(envelope.subject) == 18
        assert envelope.actor == "demo-admin" and envelope.actorrole == "admin"
        data = orjson.loads(value)["data"]
        assert not {"nik", "birth_date", "birth_place", "address", "phone"} & set(data)
