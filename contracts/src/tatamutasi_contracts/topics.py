"""Kafka topics: one per producing domain, versioned; every topic has a dead-letter twin."""

from enum import StrEnum


class Topic(StrEnum):
    PEGAWAI = "tatamutasi.pegawai.v1"
    FORMASI = "tatamutasi.formasi.v1"
    MUTASI = "tatamutasi.mutasi.v1"
    AUDIT = "tatamutasi.audit.v1"


ALL_TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)

DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic that receives what consumers of `topic` could not process."""
    return topic + DLQ_SUFFIX
