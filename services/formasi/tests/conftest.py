"""Fixtures of the formasi tests: an app on a real database (SQLite and PostgreSQL), and a
way to feed it pegawai events through the real idempotent consumer."""

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_contracts import Topic, validate_event
from tatamutasi_formasi.app import CONSUMER_NAME, apply_events, create_app, on_event
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_platform.consumer import Event, IdempotentConsumer
from tatamutasi_platform.testing import service_settings

Headers = Callable[..., dict[str, str]]


class PegawaiEvents:
    """Builds pegawai envelopes with increasing sequence numbers, like the real producer."""

    def __init__(self) -> None:
        self.seq = 0

    def make(
        self, type_: str, data: dict[str, Any], *, seq: int | None = None, on: date | None = None
    ) -> Event:
        if seq is None:
            self.seq += 1
            seq = self.seq
        when = datetime.combine(on or date(2026, 11, 1), datetime.min.time(), UTC)
        env = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/tatamutasi/pegawai",
            "type": type_,
            "time": when.isoformat().replace("+00:00", "Z"),
            "subject": data.get("nip") or data.get("sync_id"),
            "datacontenttype": "application/json",
            "sequence": seq,
            "actor": "bkd-1",
            "actorrole": "admin",
            "data": data,
        }
        envelope, payload = validate_event(env)
        return Event(envelope, payload, b"{}", Topic.PEGAWAI.value, 0, seq)

    def registered(self, nip: str, unor_id: str, jabatan_id: str, **extra: Any) -> Event:
        on = extra.pop("on", None)
        data = {
            "nip": nip,
            "name": f"Pegawai {nip[-3:]}",
            "unor_id": unor_id,
            "jabatan_id": jabatan_id,
        }
        return self.make("pegawai.registered", {**data, **extra}, on=on)

    def placed(
        self, nip: str, unor_id: str, jabatan_id: str, *, tmt: date | None = None, **kw: Any
    ) -> Event:
        data = {
            "nip": nip,
            "previous": None,
            "current": {
                "unor_id": unor_id,
                "jabatan_id": jabatan_id,
                "tmt": tmt.isoformat() if tmt else None,
            },
            "reason": "mutasi",
        }
        return self.make("pegawai.placement_changed", data, **kw)

    def status(self, nip: str, active: bool, kedudukan: str = "99", **kw: Any) -> Event:
        return self.make(
            "pegawai.status_changed",
            {"nip": nip, "kedudukan_id": kedudukan, "active": active},
            **kw,
        )

    def acting(
        self, nip: str, unor_id: str, jabatan_id: str, active: bool = True, **kw: Any
    ) -> Event:
        data = {
            "nip": nip,
            "unor_id": unor_id,
            "jabatan_id": jabatan_id,
            "jenis_penugasan": "PLT",
            "start": "2026-10-01",
            "active": active,
        }
        return self.make("pegawai.acting_changed", data, **kw)


@pytest.fixture
def events() -> PegawaiEvents:
    return PegawaiEvents()


@pytest.fixture
def formasi(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    settings = service_settings(
        FormasiSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        consumer_enabled=False,
        relay_enabled=False,
    )
    with TestClient(create_app(settings)) as c:  # type: ignore[arg-type]
        yield c


@pytest.fixture
def feed(formasi: TestClient) -> Callable[..., None]:
    """Deliver events through the real idempotent consumer (dedup + batch handler)."""
    runtime = formasi.app.state.runtime  # type: ignore[attr-defined]

    def deliver(*evs: Event, consumer: str = CONSUMER_NAME, one_by_one: bool = False) -> None:
        c = IdempotentConsumer(
            name=consumer,
            topics=[Topic.PEGAWAI.value],
            settings=runtime.settings,
            engine=runtime.engine,
            tables=runtime.tables,
            bus=runtime.bus,
            metrics=runtime.metrics,
            handler=on_event,
            batch_handler=None if one_by_one else apply_events,
        )
        assert formasi.portal is not None
        refused = formasi.portal.call(c.apply, list(evs))
        assert refused == [], refused

    return deliver


@pytest.fixture
def outbox(formasi: TestClient) -> Callable[..., list[dict[str, Any]]]:
    runtime = formasi.app.state.runtime  # type: ignore[attr-defined]

    def read(type_: str | None = None) -> list[dict[str, Any]]:
        async def q() -> list[dict[str, Any]]:
            ob = runtime.tables.outbox
            stmt = sa.select(ob).order_by(ob.c.id)
            if type_:
                stmt = stmt.where(ob.c.type == type_)
            async with runtime.engine.connect() as conn:
                return [dict(r._mapping) for r in await conn.execute(stmt)]

        assert formasi.portal is not None
        return formasi.portal.call(q)

    return read
