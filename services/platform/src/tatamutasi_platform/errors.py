"""Domain errors: plain exceptions that domain and service code raise without knowing HTTP.
The app factory turns each into problem+json with its status, code and both languages."""


class DomainError(Exception):
    status = 400
    code = "domain-error"
    title = "Bad Request"

    def __init__(self, en: str, id_: str, *, field: str | None = None, **extra: object) -> None:
        super().__init__(en)
        self.message_en = en
        self.message_id = id_
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = "Not Found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Invalid(DomainError):
    """A rule about a field's value (422, listed like a validation error)."""

    status = 422
    code = "validation-error"
    title = "Unprocessable Content"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"
