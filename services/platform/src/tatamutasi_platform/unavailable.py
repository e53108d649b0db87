"""Which failures mean "the database (or broker) is unavailable for now" rather than "this
request or event is wrong": lost connections, a server shutting down, a database that
refuses writes (read-only, disk full), lock and serialization conflicts. Those are retried
by consumers (never dead-lettered) and answered 503 with Retry-After by the APIs (never a
500)."""

from aiokafka.errors import KafkaError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# SQLSTATE classes and codes (PostgreSQL appendix A) that pass with time
_TRANSIENT_CLASSES = ("08", "53", "57P", "58")  # connection, resources, shutdown, system I/O
_TRANSIENT_CODES = frozenset(
    {
        "25006",  # read_only_sql_transaction: the database refuses writes for now
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available
    }
)


def sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code is None and orig is not None:
        code = getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return str(code) if code else None


def database_unavailable(exc: BaseException) -> bool:
    """A database failure that a retry later can cure."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = sqlstate(exc)
    return code is not None and (code in _TRANSIENT_CODES or code.startswith(_TRANSIENT_CLASSES))


def transient(exc: BaseException) -> bool:
    """Database or broker unavailable, or the network between: retry, do not give up."""
    return database_unavailable(exc) or isinstance(exc, (ConnectionError, OSError, KafkaError))
