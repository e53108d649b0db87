"""Webhook rules, pure: Standard Webhooks signatures, target URL validation, event-type
filters, backoff, configuration from the environment."""

import base64
import hashlib
import hmac
import ipaddress

import pytest

from tatamutasi_platform.webhooks import WebhookConfig, known_event_types
from tatamutasi_platform.webhooks_rules import (
    RuleViolation,
    address_blocked,
    backoff_s,
    matches,
    validate_patterns,
    validate_url,
)
from tatamutasi_platform.webhooks_signing import (
    SignatureError,
    generate_secret,
    secret_key,
    sign,
    signed_headers,
    verify,
)

MUTASI = known_event_types(["tatamutasi.mutasi.v1"])


# -- signing -----------------------------------------------------------------------------
def test_signature_matches_the_published_standard_webhooks_vector() -> None:
    # The test vector of the Standard Webhooks reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # secret-scan: allow (published vector)
    body = b'{"test": 2432232314}'
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_signature_equals_an_independent_hmac() -> None:
    secret = generate_secret()
    body = b'{"type":"mutasi.executed"}'
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, b"evt-1.1700000000." + body, hashlib.sha256).digest()
    ).decode()
    assert sign(secret, "evt-1", 1700000000, body) == "v1," + expected


def test_generated_secrets_are_random_32_byte_keys() -> None:
    a, b = generate_secret(), generate_secret()
    assert a != b
    assert a.startswith("whsec_")
    assert len(secret_key(a)) == 32


def test_verify_accepts_valid_and_rejects_tampering() -> None:
    secret = generate_secret()
    body = b'{"a":1}'
    headers = signed_headers(secret, "evt-9", 1700000000, body)
    verify(secret, headers, body, now=1700000100)
    # Several signatures (secret rotation): any v1 match is enough.
    rotated = {**headers, "webhook-signature": "v1,AAAA " + headers["webhook-signature"]}
    verify(secret, rotated, body, now=1700000000)
    with pytest.raises(SignatureError):
        verify(secret, headers, b'{"a":2}', now=1700000000)
    with pytest.raises(SignatureError):
        verify(generate_secret(), headers, body, now=1700000000)
    with pytest.raises(SignatureError):
        verify(secret, {**headers, "webhook-id": "evt-10"}, body, now=1700000000)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(secret, headers, body, now=1700000000 + 301)
    with pytest.raises(SignatureError, match="missing"):
        verify(secret, {"webhook-id": "x"}, body, now=1700000000)
    with pytest.raises(SignatureError):
        secret_key("not-a-secret")


# -- URLs ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://kepegawaian.example.go.id/hooks",
        "https://10.0.0.5:8443/hooks?x=1",
        "https://[2001:db8::1]/h",
    ],
)
def test_accepts_https_targets(url: str) -> None:
    assert validate_url(url, environment="production") == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/h", "http://localhost/h", "http://[::1]:81/h"]
)
def test_http_only_to_loopback_in_development(url: str) -> None:
    assert validate_url(url, environment="development") == url
    with pytest.raises(RuleViolation) as info:
        validate_url(url, environment="production")
    assert info.value.code == "url_not_https"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://example.com/h", "url_not_https"),
        ("ftp://example.com/h", "url_scheme"),
        ("example.com/h", "url_scheme"),
        ("https:///nohost", "url_scheme"),
        ("https://user:pw@example.com/h", "url_userinfo"),
        ("https://user@example.com/h", "url_userinfo"),
        ("https://example.com/h#frag", "url_fragment"),
        ("https://example.com:99999/h", "url_malformed"),
        ("https://exa mple.com/h", "url_whitespace"),
        ("https://169.254.169.254/latest/meta-data", "url_metadata"),
        ("https://169.254.10.1/h", "url_link_local"),
        ("https://[fe80::1]/h", "url_link_local"),
        ("https://[fd00:ec2::254]/h", "url_metadata"),
        ("https://100.100.100.200/h", "url_metadata"),
        ("https://metadata.google.internal/computeMetadata/v1", "url_metadata"),
        ("https://0.0.0.0/h", "url_unspecified"),
        ("https://224.0.0.1/h", "url_multicast"),
        ("https://[::ffff:169.254.169.254]/h", "url_metadata"),
        ("https://example.com/" + "a" * 2000, "url_too_long"),
    ],
)
def test_rejects_bad_targets_with_a_code_and_both_languages(url: str, code: str) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_url(url, environment="development")
    v = info.value
    assert (v.field, v.code) == ("url", code)
    assert v.en and v.id_ and v.en != v.id_


def test_loopback_over_https_is_refused_in_production() -> None:
    with pytest.raises(RuleViolation) as info:
        validate_url("https://localhost/h", environment="production")
    assert info.value.code == "url_loopback"


def test_address_blocked_after_resolution() -> None:
    assert address_blocked(ipaddress.ip_address("169.254.169.254")) == "metadata"
    assert address_blocked(ipaddress.ip_address("169.254.1.1")) == "link_local"
    assert address_blocked(ipaddress.ip_address("203.0.113.7")) is None
    assert address_blocked(ipaddress.ip_address("10.1.2.3")) is None


# -- event-type filters ---------------------------------------------------------------------
def test_wildcards_match_whole_segments() -> None:
    assert matches("*", "mutasi.executed")
    assert matches("mutasi.*", "mutasi.executed")
    assert matches("mutasi.*", "mutasi.proposal_created")
    assert not matches("mutasi.*", "pegawai.registered")
    assert not matches("mutasi.*", "mutasix.executed")
    assert matches("mutasi.executed", "mutasi.executed")
    assert not matches("mutasi.executed", "mutasi.executed_later")


def test_patterns_must_match_a_published_type() -> None:
    assert validate_patterns(["mutasi.*", "mutasi.*", "mutasi.executed"], MUTASI) == [
        "mutasi.*",
        "mutasi.executed",
    ]
    with pytest.raises(RuleViolation) as info:
        validate_patterns(["pegawai.*"], MUTASI)
    assert (info.value.field, info.value.code) == ("event_types", "event_type_unknown")
    for bad in ("Mutasi.*", "mutasi.proposal_*", "mutasi..x", "mutasi executed", ""):
        with pytest.raises(RuleViolation) as info:
            validate_patterns([bad], MUTASI)
        assert info.value.code == "event_type_pattern"
    with pytest.raises(RuleViolation) as info:
        validate_patterns([], MUTASI)
    assert info.value.code == "event_types_empty"


# -- backoff and configuration ------------------------------------------------------------
def test_backoff_is_exponential_capped_and_honours_retry_after() -> None:
    delays = [backoff_s(n, base_s=10, cap_s=300) for n in range(1, 8)]
    assert delays == [10, 20, 40, 80, 160, 300, 300]
    assert backoff_s(1, base_s=10, cap_s=300, retry_after_s=120) == 120
    assert backoff_s(1, base_s=10, cap_s=300, retry_after_s=9999) == 300
    assert backoff_s(3, base_s=10, cap_s=300, retry_after_s=5) == 40


def test_config_from_environment_with_the_service_prefix() -> None:
    env = {
        "MATCHING_WEBHOOK_MAX_ATTEMPTS": "3",
        "MATCHING_WEBHOOK_BACKOFF_BASE_S": "0.5",
        "MATCHING_WEBHOOK_ENABLED": "false",
        "PEGAWAI_WEBHOOK_MAX_ATTEMPTS": "99",
    }
    config = WebhookConfig.from_env("MATCHING_", env)
    assert (config.max_attempts, config.backoff_base_s, config.enabled) == (3, 0.5, False)
    assert config.timeout_s == WebhookConfig().timeout_s
    with pytest.raises(ValueError):
        WebhookConfig.from_env("X_", {"X_WEBHOOK_CONCURRENCY": "0"})
