"""Domain errors: plain exceptions that domain and service code raise without knowing HTTP.
The app factory registers ONE handler for `DomainError` that turns each into problem+json
(RFC 9457) with its status, type (`code`), title and the detail in both languages, plus the
field and any extra members. Subclasses set `status`, `code` and `title` as class attributes,
or per instance when one class covers several outcomes (e.g. the mutasi workflow's
`WorkflowError`); routes never catch them just to re-raise a problem."""


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
