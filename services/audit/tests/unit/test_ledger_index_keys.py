"""Query keys taken from an entry at append time: units, rounds, flags, proposals."""

from tatamutasi_audit.ledger.index_keys import index_keys


def test_keys_are_found_at_any_depth_of_the_data() -> None:
    env = {
        "type": "mutasi.proposal_approved",
        "subject": "P-9",
        "data": {
            "proposal_id": "P-9",
            "round_id": "R-2027-01",
            "from_post": {"unor_id": "U-SETDA", "jabatan_id": "J1"},
            "to_post": {"unor_id": "U-DINKES", "jabatan_id": "J2"},
            "acknowledged_flags": ["F-1", "F-2", 3],
        },
    }
    assert index_keys(env) == {
        ("proposal", "P-9"),
        ("round", "R-2027-01"),
        ("unit", "U-SETDA"),
        ("unit", "U-DINKES"),
        ("flag", "F-1"),
        ("flag", "F-2"),
    }


def test_formasi_units_flags_and_suffixed_keys() -> None:
    assert index_keys({"data": {"unit_id": "U1", "parent_id": "U0"}}) == {("unit", "U1")}
    assert index_keys({"data": {"flag_id": "F-7", "unor_id": "U2"}}) == {
        ("flag", "F-7"),
        ("unit", "U2"),
    }
    assert index_keys({"data": {"target_unor_id": "U3", "old_unit_id": "U4"}}) == {
        ("unit", "U3"),
        ("unit", "U4"),
    }


def test_envelope_attributes_and_empty_values_are_not_keys() -> None:
    assert (
        index_keys({"unor_id": "outside data", "data": {"unor_id": "", "round_id": None}}) == set()
    )
    assert index_keys({"data": None}) == set()
    assert index_keys({"data": {"unor_id": "U" * 300}}) == {("unit", "U" * 200)}
