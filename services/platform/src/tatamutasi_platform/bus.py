"""aiokafka wrappers. Written for Apache Kafka and tansu alike: no idempotent producer, no
transactions, no reliance on end offsets or lag (tansu reports them wrongly)."""

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tatamutasi_contracts import ALL_TOPICS, dlq_topic
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.outbox import Publisher
from tatamutasi_platform.settings import ServiceSettings

log = structlog.get_logger(__name__)

TOPIC_ALREADY_EXISTS = 36


def all_topics_with_dlq(topics: Iterable[str] = ALL_TOPICS) -> list[str]:
    out: list[str] = []
    for t in topics:
        out += [t, dlq_topic(t)]
    return out


def security_kwargs(settings: ServiceSettings | None) -> dict[str, Any]:
    """SASL/TLS options for every aiokafka client (empty for the PLAINTEXT default)."""
    if settings is None or settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    kwargs: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_sasl_mechanism:
        password = (
            settings.kafka_sasl_password.get_secret_value()
            if (settings.kafka_sasl_password is not None)
            else None
        )
        if password is None and settings.kafka_sasl_password_file is not None:
            password = settings.kafka_sasl_password_file.read_text().strip()
        kwargs.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=password,
        )
    return kwargs


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int,
    *,
    timeout_ms: int = 10000,
    settings: ServiceSettings | None = None,
) -> None:
    """Create topics explicitly (auto-created ones get the broker's default partitions).
    Existing topics are left alone."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms, **security_kwargs(settings)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=t, num_partitions=1 if t.endswith(".dlq") else partitions, replication_factor=1
            )
            for t in topics
            if t not in existing
        ]
        if missing:
            resp = await admin.create_topics(missing)
            for name, code, msg in resp.topic_errors:
                if code not in (0, TOPIC_ALREADY_EXISTS):
                    raise RuntimeError(f"cannot create topic {name}: {code} {msg}")
    finally:
        await admin.close()


def producer_kwargs(settings: ServiceSettings) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "acks": "all",
        "enable_idempotence": False,
        "linger_ms": settings.kafka_linger_ms,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": settings.kafka_request_timeout_ms,
        "client_id": f"tatamutasi-{settings.service_name}",
        **security_kwargs(settings),
    }


def consumer_kwargs(settings: ServiceSettings, group_id: str) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
        "max_poll_records": settings.consumer_batch_size,
        "request_timeout_ms": max(
            settings.kafka_request_timeout_ms, settings.kafka_session_timeout_ms + 1000
        ),
        "client_id": f"tatamutasi-{settings.service_name}",
        **security_kwargs(settings),
    }


def epoch_topic(service_name: str) -> str:
    """A one-partition marker topic each service creates on the broker. A broker without it
    has lost its data (tansu keeps everything in memory: a restart is a new, empty broker)
    or never saw this service: either way, what the outbox published before may be gone."""
    return f"tatamutasi.{service_name}.broker-epoch"


class Bus(Publisher):
    """A producer that (re)connects in the background, so a service starts and takes writes
    while the broker is down; the outbox holds events until the bus is ready.

    It also watches for a broker that lost its data: when the service's marker topic is
    missing, `epoch` grows, the relay re-publishes the outbox and the consumers start over
    from the new broker's committed offsets (none, so from the earliest message)."""

    def __init__(self, settings: ServiceSettings, metrics: Metrics, topics: Sequence[str]) -> None:
        self._settings = settings
        self._metrics = metrics
        self._topics = list(topics)
        self._producer: AIOKafkaProducer | None = None
        self._ready = asyncio.Event()
        self._epoch = 0

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def epoch(self) -> int:
        return self._epoch

    async def _check_epoch(self, producer: AIOKafkaProducer) -> None:
        """Create the marker topic when it is missing and count a new broker epoch."""
        s = self._settings
        marker = epoch_topic(s.service_name)
        metadata = await asyncio.wait_for(producer.client.fetch_all_metadata(), 5)
        if metadata is None or marker in metadata.topics():
            return
        # the data topics first (a new broker has none), then the marker
        await ensure_topics(
            s.kafka_bootstrap, all_topics_with_dlq(self._topics), s.kafka_partitions, settings=s
        )
        await ensure_topics(s.kafka_bootstrap, [marker], 1, settings=s)
        self._epoch += 1
        log.warning("broker without this service's marker: a new broker epoch", epoch=self._epoch)

    async def _watch_epoch(self, producer: AIOKafkaProducer) -> None:
        while True:
            try:
                await self._check_epoch(producer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker down: the next probe tries again
                log.debug("broker epoch probe failed", error=repr(exc)[:200])
            await asyncio.sleep(self._settings.kafka_reconnect_backoff_s)

    async def wait_ready(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Connect, and keep reconnecting after failures. Cancel to stop."""
        s = self._settings
        while True:
            producer = AIOKafkaProducer(**producer_kwargs(s))
            try:
                if s.kafka_create_topics:
                    await ensure_topics(
                        s.kafka_bootstrap,
                        all_topics_with_dlq(self._topics),
                        s.kafka_partitions,
                        settings=s,
                    )
                await producer.start()
            except asyncio.CancelledError:
                await producer.stop()
                raise
            except Exception as exc:
                await producer.stop()
                log.info(
                    "broker not reachable yet", bootstrap=s.kafka_bootstrap, error=repr(exc)[:200]
                )
                await asyncio.sleep(s.kafka_reconnect_backoff_s)
                continue
            watch = s.kafka_create_topics
            if watch:  # the marker is a topic this service creates; without that, no watch
                try:
                    await self._check_epoch(producer)
                except asyncio.CancelledError:
                    await producer.stop()
                    raise
                except Exception as exc:
                    await producer.stop()
                    log.info("broker not ready yet", error=repr(exc)[:200])
                    await asyncio.sleep(s.kafka_reconnect_backoff_s)
                    continue
            self._producer = producer
            self._ready.set()
            self._metrics.broker_up.set(1)
            log.info("broker connected", bootstrap=s.kafka_bootstrap)
            try:
                if watch:
                    await self._watch_epoch(producer)
                await asyncio.Event().wait()
            finally:
                self._ready.clear()
                self._metrics.broker_up.set(0)
                self._producer = None
                await producer.stop()

    async def publish(self, messages: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        producer = self._producer
        if producer is None:
            raise ConnectionError("broker not connected")
        futures = [
            await producer.send(topic, value=value, key=key) for topic, key, value in messages
        ]
        await asyncio.gather(*futures)

    async def send_one(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        producer = self._producer
        if producer is None:
            raise ConnectionError("broker not connected")
        await (await producer.send(topic, value=value, key=key, headers=headers))

    async def check(self, timeout: float = 2.0) -> bool:
        """Readiness: the producer is up and the broker answers a metadata request."""
        producer = self._producer
        if producer is None:
            return False
        try:
            ok = await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout)
        except Exception:
            return False
        return ok is not None


def make_consumer(
    settings: ServiceSettings,
    group_id: str,
    topics: Sequence[str],
    listener: ConsumerRebalanceListener | None = None,
) -> AIOKafkaConsumer:
    if listener is None:
        return AIOKafkaConsumer(*topics, **consumer_kwargs(settings, group_id))
    consumer = AIOKafkaConsumer(**consumer_kwargs(settings, group_id))
    consumer.subscribe(list(topics), listener=listener)
    return consumer
