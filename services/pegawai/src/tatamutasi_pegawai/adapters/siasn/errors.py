"""Errors raised by the SIASN adapter. Each carries an English and an Indonesian reason so
callers can report them per NIP as they are."""


class SiasnError(Exception):
    """Base class. `reason` is English, `alasan` Indonesian."""

    kind = "error"

    def __init__(self, reason: str, alasan: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.alasan = alasan or reason


class SiasnAuthError(SiasnError):
    """Authentication failed and re-authenticating did not help (bad credentials, an expired
    operator-supplied SSO token)."""

    kind = "auth"

    def __init__(self, reason: str, alasan: str | None = None, *, token: str = "") -> None:
        super().__init__(reason, alasan)
        self.token = token  # "apim", "sso" or "" when unknown


class SiasnUnavailable(SiasnError):
    """SIASN did not answer usefully after the bounded retries (5xx, 429, timeouts)."""

    kind = "unavailable"

    def __init__(
        self, reason: str, alasan: str | None = None, *, status: int | None = None
    ) -> None:
        super().__init__(reason, alasan)
        self.status = status


class SiasnProtocolError(SiasnError):
    """An answer that the documented API never gives (unexpected status, non-JSON body)."""

    kind = "protocol"

    def __init__(
        self, reason: str, alasan: str | None = None, *, status: int | None = None
    ) -> None:
        super().__init__(reason, alasan)
        self.status = status


class SiasnMalformed(SiasnError):
    """A record SIASN returned cannot be read (wrong type, impossible date, missing key)."""

    kind = "malformed"

    def __init__(self, resource: str, field: str, reason: str, alasan: str) -> None:
        where = f"{resource}.{field}" if field else resource
        super().__init__(f"{where}: {reason}", f"{where}: {alasan}")
        self.resource = resource
        self.field = field


class SiasnSaveRejected(SiasnError):
    """SIASN refused a write (HTTP 200 with `success: false`, or a 4xx with a message)."""

    kind = "rejected"


class SiasnSaveOutcomeUnknown(SiasnUnavailable):
    """A write may or may not have been applied (server error or timeout after sending). It
    is not retried automatically: check SIASN (rw-jabatan) before saving again."""

    kind = "outcome_unknown"
