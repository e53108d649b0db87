"""Unit tests for log redaction (tatamutasi_platform.logs)."""

import hashlib

import pytest

from tatamutasi_platform.logs import PERSONAL_KEYS, mask_text, redact

NIK = "3174012503850001"  # 16 digits
NIP = "198503122010011002"  # 18 digits
NIP_MASK = "NIP#" + hashlib.sha256(NIP.encode()).hexdigest()[:10]


def test_nik_is_masked() -> None:
    assert mask_text(f"NIK {NIK} ditolak") == "NIK [NIK] ditolak"


def test_nip_is_masked_with_stable_hash() -> None:
    out = mask_text(f"pegawai {NIP} dipindah")
    assert out == f"pegawai {NIP_MASK} dipindah"
    assert NIP not in out
    assert len(NIP_MASK) == len("NIP#") + 10
    assert mask_text(NIP) == mask_text(NIP) == NIP_MASK


def test_different_nips_get_different_masks() -> None:
    assert mask_text(NIP) != mask_text("198503122010011003")


def test_several_runs_in_one_text() -> None:
    out = mask_text(f"{NIP},{NIK};x={NIP}")
    assert out == f"{NIP_MASK},[NIK];x={NIP_MASK}"


def test_runs_next_to_letters_are_masked() -> None:
    assert mask_text(f"nip={NIP}&nik={NIK}x") == f"nip={NIP_MASK}&nik=[NIK]x"


@pytest.mark.parametrize(
    "text",
    [
        "15-digit 123456789012345",
        "17-digit 12345678901234567",
        "19-digit 1234567890123456789",
        "20-digit 12345678901234567890",
        "24-digit 123456789012345678901234",
        "short 2024 42 and 198503",
        "",
    ],
)
def test_other_digit_runs_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_grouped_display_nip_is_not_an_18_digit_run() -> None:
    text = "19850312 201001 1 002"
    assert mask_text(text) == text


def test_redact_personal_keys_case_insensitive() -> None:
    event = {
        "event": f"created {NIP}",
        "nik": NIK,
        "NIK": NIK,
        "Tgl_Lahir": "1985-03-12",
        "alamat": "Jl. Merdeka 1",
        "phone": "08123456789",
        "TOKEN": "eyJhbGciOi...",
        "Authorization": "Bearer abc",
        "password": 12345,
        "unor_id": "DEMO-DINKES",
        "count": 3,
        "nip": NIP,
    }
    out = redact(None, "info", event)
    assert out is event
    assert out == {
        "event": f"created {NIP_MASK}",
        "nik": "[redacted]",
        "NIK": "[redacted]",
        "Tgl_Lahir": "[redacted]",
        "alamat": "[redacted]",
        "phone": "[redacted]",
        "TOKEN": "[redacted]",
        "Authorization": "[redacted]",
        "password": "[redacted]",
        "unor_id": "DEMO-DINKES",
        "count": 3,
        "nip": NIP_MASK,
    }


def test_personal_keys_cover_the_documented_fields() -> None:
    expected = {
        "nik",
        "tgl_lahir",
        "tanggal_lahir",
        "birth_date",
        "alamat",
        "address",
        "phone",
        "no_hp",
        "token",
        "authorization",
        "password",
        "secret",
    }
    assert expected <= PERSONAL_KEYS


def test_sql_parameter_loggers_stay_quiet_even_at_debug() -> None:
    import logging

    from tatamutasi_platform.logs import configure_logging

    configure_logging("DEBUG", json=True)
    try:
        for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "aiokafka"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    finally:
        configure_logging("INFO", json=True)
