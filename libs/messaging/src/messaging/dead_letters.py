"""`dlq`: list the dead letters of every topic with why they failed, and replay chosen ones
to the topic they came from (docs/decisions/0002-delivery-and-dlq.md).

    dlq list [--topic share.viewed]
    dlq replay share.viewed.dlq 0:17 1:4

Kafka is `KAFKA_BOOTSTRAP_SERVERS` (default localhost:9092), reached as the principal of
`KAFKA_SASL_USERNAME` (the operator's: devstack's .run/credentials.env), topic names carry
`TOPIC_PREFIX` like the services'. A replayed record keeps its key and value (so its
event id: consumers that applied it before skip it) and gains `x-dlq-replayed-from`.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from contracts import topics

from messaging.kafka import KafkaAccess
from messaging.settings import KafkaSettings

PREVIEW_BYTES = 160


class DlqSettings(KafkaSettings):
    """What `dlq` reads from the environment, under the services' names (ServiceSettings)."""

    topic_prefix: str = ""


@dataclass(frozen=True)
class DeadLetter:
    """A dead-lettered record, where it sits and why it got there."""

    dlq_topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def position(self) -> str:
        """`<partition>:<offset>`, as `dlq replay` takes it."""
        return f"{self.partition}:{self.offset}"

    def describe(self) -> str:
        """One line for people: where, from where, why, and the start of the value."""
        h = {name.removeprefix("x-dlq-"): value for name, value in self.headers.items()}
        origin = f"{h.get('topic', '?')}[{h.get('partition', '?')}]@{h.get('offset', '?')}"
        error = f"{h.get('error-type', '?')}: {h.get('error', '')}".replace("\n", " ")
        tries = f"after {h.get('attempts', '?')} attempt(s) at {h.get('failed-at', '?')}"
        preview = self.value[:PREVIEW_BYTES]
        where = f"{self.dlq_topic} {self.position}  from {origin}  {tries}"
        return f"{where}\n    {error}\n    value: {preview!r}"


async def dead_letters(kafka: KafkaAccess, dlq_topics: Sequence[str]) -> list[DeadLetter]:
    """Every record now in `dlq_topics` (those that exist), oldest first per partition."""
    partitions = await _partitions(kafka, dlq_topics)
    consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        return await _read_to_end(consumer, partitions)
    finally:
        await consumer.stop()


async def _partitions(kafka: KafkaAccess, names: Sequence[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:
        described = await admin.describe_topics(list(names))
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        if topic["error_code"] == 0
        for partition in sorted(topic["partitions"], key=lambda p: p["partition"])
    ]


async def _read_to_end(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> list[DeadLetter]:
    if not partitions:
        return []
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    found: list[DeadLetter] = []
    while await _behind(consumer, ends):
        for tp, records in (await consumer.getmany(timeout_ms=500)).items():
            found += [
                DeadLetter(
                    tp.topic,
                    tp.partition,
                    r.offset,
                    r.key,
                    r.value,
                    {k: v.decode(errors="replace") for k, v in r.headers},
                )
                for r in records
                if r.offset < ends[tp]
            ]
    return found


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


async def replay(kafka: KafkaAccess, letters: Sequence[DeadLetter]) -> None:
    """Publish each letter's key and value to the topic it was dead-lettered from."""
    producer = AIOKafkaProducer(**kafka.client_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for letter in letters:
            origin = letter.headers.get("x-dlq-topic")
            if not origin:
                raise SystemExit(
                    f"{letter.dlq_topic} {letter.position} names no topic to go back to"
                )
            source = f"{letter.dlq_topic}:{letter.position}".encode()
            await producer.send_and_wait(
                origin, letter.value, key=letter.key, headers=[("x-dlq-replayed-from", source)]
            )
    finally:
        await producer.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """The `dlq` command."""
    args = _parser().parse_args(argv)
    settings = DlqSettings()
    kafka, prefix = settings.kafka, settings.topic_prefix
    if args.command == "list":
        names = [args.topic] if args.topic else list(topics.ALL)
        letters = asyncio.run(dead_letters(kafka, [prefix + topics.dlq(n) for n in names]))
        for letter in letters:
            print(letter.describe())
        print(f"{len(letters)} dead letter(s)", file=sys.stderr)
        return
    wanted = set(args.positions)
    found = asyncio.run(dead_letters(kafka, [args.dlq_topic]))
    letters = [letter for letter in found if letter.position in wanted]
    if missing := wanted - {letter.position for letter in letters}:
        raise SystemExit(f"not in {args.dlq_topic}: {', '.join(sorted(missing))} (see `dlq list`)")
    asyncio.run(replay(kafka, letters))
    for letter in letters:
        print(f"replayed {letter.dlq_topic} {letter.position} to {letter.headers['x-dlq-topic']}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlq", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="every dead letter, with its error")
    listing.add_argument("--topic", help="only this topic's dead letters (e.g. share.viewed)")
    again = commands.add_parser("replay", help="send chosen dead letters back to their topic")
    again.add_argument("dlq_topic", help="the dead-letter topic, as `dlq list` names it")
    again.add_argument("positions", nargs="+", help="partition:offset, as `dlq list` shows")
    return parser
