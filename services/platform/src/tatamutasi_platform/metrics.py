"""Prometheus metrics, one registry per app (tests build many apps in one process)."""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.http_requests = Counter(
            "http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.relay_published = Counter(
            "outbox_published_events", "Events published by the outbox relay", registry=r
        )
        self.relay_errors = Counter(
            "outbox_relay_errors", "Failed relay attempts (retried)", registry=r
        )
        self.outbox_pending = Gauge(
            "outbox_pending_events", "Outbox rows not yet published", registry=r
        )
        self.consumed = Counter(
            "consumer_events", "Events consumed", ["consumer", "outcome"], registry=r
        )
        self.broker_up = Gauge("broker_connected", "1 when the Kafka producer is up", registry=r)
