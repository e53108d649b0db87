"""Rules for webhook subscriptions, pure: which target URLs are allowed, which event types a
filter matches, and how long to wait before the next attempt.

URLs: `https://` only, except `http://` to a loopback host in development and test; no
user:password part, no fragment; never a link-local, unspecified, multicast or reserved
address, nor a cloud metadata endpoint (169.254.169.254, fd00:ec2::254, 100.100.100.200,
metadata.google.internal). Loopback targets are refused in production. Names are checked
again after DNS resolution at delivery time (`address_blocked`)."""

import fnmatch
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
MAX_URL_LENGTH = 2000
_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.([a-z][a-z0-9_]*|\*))*)$")


class RuleViolation(Exception):
    """One broken rule, with a machine code and both languages."""

    def __init__(self, field: str, code: str, en: str, id_: str) -> None:
        super().__init__(en)
        self.field = field
        self.code = code
        self.en = en
        self.id_ = id_


def _violation(code: str, en: str, id_: str) -> RuleViolation:
    return RuleViolation("url", code, en, id_)


def is_loopback_host(host: str) -> bool:
    if host.lower().rstrip(".") in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_blocked(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a resolved address may not be a webhook target (None when allowed)."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr in METADATA_ADDRESSES:
        return "metadata"
    if addr.is_loopback:
        return None  # allowed or refused by environment (`validate_url`, the dispatcher)
    if addr.is_link_local:
        return "link_local"
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_multicast:
        return "multicast"
    if addr.is_reserved:
        return "reserved"
    return None


def validate_url(url: str, *, environment: str) -> str:
    """Return the URL when it is an allowed webhook target, else raise `RuleViolation`."""
    dev = environment in ("development", "test")
    if len(url) > MAX_URL_LENGTH:
        raise _violation(
            "url_too_long",
            f"The URL must have at most {MAX_URL_LENGTH} characters",
            f"URL paling panjang {MAX_URL_LENGTH} karakter",
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise _violation(
            "url_whitespace", "The URL must not contain spaces", "URL tidak boleh berisi spasi"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _violation(
            "url_malformed", "The URL is malformed", "Format URL tidak valid"
        ) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("https", "http") or not host:
        raise _violation(
            "url_scheme",
            "The URL must be an absolute https:// address",
            "URL harus berupa alamat https:// yang lengkap",
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _violation(
            "url_userinfo",
            "The URL must not contain a user name or password; the payload is signed instead",
            "URL tidak boleh memuat nama pengguna atau kata sandi; isi pesan sudah ditandatangani",
        )
    if parts.fragment:
        raise _violation(
            "url_fragment",
            "The URL must not contain a #fragment",
            "URL tidak boleh memuat #fragmen",
        )
    if port == 0:
        raise _violation("url_port", "Port 0 is not allowed", "Port 0 tidak diperbolehkan")
    loopback = is_loopback_host(host)
    if scheme == "http" and not (dev and loopback):
        raise _violation(
            "url_not_https",
            "Webhook URLs must use https:// (http:// only to localhost in development)",
            "URL webhook wajib memakai https:// (http:// hanya ke localhost saat pengembangan)",
        )
    if loopback and not dev:
        raise _violation(
            "url_loopback",
            "A webhook cannot target this server itself (loopback) outside development",
            "Webhook tidak boleh diarahkan ke server ini sendiri (loopback) di luar pengembangan",
        )
    if host.lower() in METADATA_HOSTS:
        raise _violation(
            "url_metadata",
            "Cloud metadata endpoints are not allowed as webhook targets",
            "Endpoint metadata cloud tidak boleh menjadi tujuan webhook",
        )
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return url
    reason = address_blocked(addr)
    if reason is not None:
        raise _violation(
            f"url_{reason}",
            f"The address {host} is not allowed as a webhook target ({reason.replace('_', '-')})",
            f"Alamat {host} tidak boleh menjadi tujuan webhook ({reason.replace('_', '-')})",
        )
    return url


# -- event-type filters ---------------------------------------------------------------------
def validate_patterns(patterns: Iterable[str], known_types: Iterable[str]) -> list[str]:
    """Each pattern is an event type (`mutasi.executed`), a prefix wildcard (`mutasi.*`,
    `mutasi.proposal_*` is not allowed: wildcards stand for whole segments) or `*`; each must
    match at least one type this service publishes. Returns them de-duplicated, in order."""
    known = sorted(set(known_types))
    out: list[str] = []
    for pattern in patterns:
        p = pattern.strip()
        if not _PATTERN.match(p):
            raise RuleViolation(
                "event_types",
                "event_type_pattern",
                f"{pattern!r} is not an event type or a wildcard such as 'mutasi.*'",
                f"{pattern!r} bukan jenis event atau pola seperti 'mutasi.*'",
            )
        if not any(matches(p, t) for t in known):
            sample = ", ".join(known[:6])
            raise RuleViolation(
                "event_types",
                "event_type_unknown",
                f"{pattern!r} matches no event this service publishes (e.g. {sample}, ...)",
                f"{pattern!r} tidak cocok dengan event apa pun dari layanan ini "
                f"(mis. {sample}, ...)",
            )
        if p not in out:
            out.append(p)
    if not out:
        raise RuleViolation(
            "event_types",
            "event_types_empty",
            "Name at least one event type or pattern",
            "Sebutkan minimal satu jenis event atau pola",
        )
    return out


def matches(pattern: str, event_type: str) -> bool:
    """`*` matches everything; `a.*` matches `a.b` and `a.b.c`; otherwise segment-wise."""
    if pattern == "*":
        return True
    if pattern.endswith(".*") and "*" not in pattern[:-2]:
        return event_type.startswith(pattern[:-1])
    return fnmatch.fnmatchcase(event_type, pattern) and (
        pattern.count(".") == event_type.count(".")
    )


def matches_any(patterns: Iterable[str], event_type: str) -> bool:
    return any(matches(p, event_type) for p in patterns)


# -- retries ----------------------------------------------------------------------------------
def backoff_s(
    run_attempt: int, *, base_s: float, cap_s: float, retry_after_s: float | None = None
) -> float:
    """Delay before retry number `run_attempt` (1 = after the first failure): exponential,
    `base * 2**(n-1)`, capped; a receiver's Retry-After is honoured up to the cap."""
    delay = min(cap_s, base_s * 2 ** max(0, run_attempt - 1))
    if retry_after_s is not None and retry_after_s > delay:
        delay = min(cap_s, retry_after_s)
    return delay
