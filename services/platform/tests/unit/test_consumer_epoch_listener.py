"""After a new broker epoch the fresh consumer starts its first assignment from the
beginning: the old consumer may have committed positions on the new broker that skip what
was re-published below them (found by tests/faults/test_fault_broker.py)."""

from typing import Any

from aiokafka import TopicPartition

from tatamutasi_platform.consumer import _FromTheStart


class _Consumer:
    def __init__(self) -> None:
        self.seeks: list[tuple[Any, ...]] = []

    async def seek_to_beginning(self, *partitions: Any) -> None:
        self.seeks.append(partitions)


async def test_first_non_empty_assignment_is_read_from_the_start_and_only_that() -> None:
    listener = _FromTheStart("matching")
    consumer = _Consumer()
    listener.consumer = consumer
    p0, p1 = TopicPartition("tatamutasi.pegawai.v1", 0), TopicPartition("tatamutasi.pegawai.v1", 1)

    await listener.on_partitions_assigned(set())  # an empty first assignment does not count
    assert consumer.seeks == []
    await listener.on_partitions_assigned({p0, p1})
    assert [set(s) for s in consumer.seeks] == [{p0, p1}]
    await listener.on_partitions_revoked({p0, p1})
    await listener.on_partitions_assigned({p1})  # a later rebalance resumes from commits
    assert len(consumer.seeks) == 1
