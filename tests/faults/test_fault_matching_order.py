"""Matching's employee profiles under duplicated and reordered pegawai events (found by
test_fault_duplicates.py: a registration delivered after the move that followed it rolled
the profile back to the old unit). Each field group keeps the producer sequence of the last
event applied to it; an older event leaves the group alone."""

import itertools

from tatamutasi_contracts.pegawai import (
    PegawaiPlacementChanged,
    PegawaiRankChanged,
    PegawaiRegistered,
    Placement,
)
from tatamutasi_matching.service.talent import _in_order, _pegawai_change

NIP = "198503122010011001"
EVENTS = [
    (1, PegawaiRegistered(nip=NIP, name="A", unor_id="U1", jabatan_id="J1", golongan_id="31")),
    (
        2,
        PegawaiPlacementChanged(
            nip=NIP,
            previous=Placement(unor_id="U1", jabatan_id="J1"),
            current=Placement(unor_id="U2", jabatan_id="J2"),
            reason="mutasi",
        ),
    ),
    (3, PegawaiRankChanged(nip=NIP, golongan_id="32")),
    (
        4,
        PegawaiPlacementChanged(
            nip=NIP,
            previous=Placement(unor_id="U2", jabatan_id="J2"),
            current=Placement(unor_id="U1", jabatan_id="J1"),
            reason="mutasi",
        ),
    ),
]


def apply_all(order: list[tuple[int, object]]) -> dict[str, object]:
    doc: dict[str, object] = {"nip": NIP}
    for seq, payload in order:
        change = _pegawai_change(payload)
        assert change is not None
        _in_order(payload, seq, change)(doc)
    return doc


def test_fault_every_delivery_order_with_duplicates_ends_in_the_same_profile() -> None:
    expected = apply_all(EVENTS)
    assert (expected["unor_id"], expected["jabatan_id"], expected["golongan_id"]) == (
        "U1",
        "J1",
        "32",
    )
    for order in itertools.permutations(EVENTS):
        got = apply_all([*order, *reversed(order)])  # every event twice, in two orders
        assert {k: got[k] for k in ("unor_id", "jabatan_id", "golongan_id", "name")} == {
            k: expected[k] for k in ("unor_id", "jabatan_id", "golongan_id", "name")
        }, order
