import fakeredis
import pytest
from contracts.events import ShareRevoked
from messaging.outbox import Outbox
from redis.exceptions import WatchError


def _event(link_id: str) -> ShareRevoked:
    return ShareRevoked(link_id=link_id, owner_id="u-1", revoked_at="2026-11-27T10:00:00Z")


def test_an_aggregate_keys_share_the_slot_of_its_outbox_shard():
    outbox = Outbox(service="link-service", shards=8)
    shard = outbox.shard_of("lnk_42")
    assert outbox.tag("lnk_42") in outbox.stream(shard)
    assert outbox.tag("lnk_42") in outbox.lease(shard)


def test_shards_are_stable_and_spread():
    outbox = Outbox(service="svc", shards=4)
    assert outbox.shard_of("a") == Outbox(service="svc", shards=4).shard_of("a")
    assert {outbox.shard_of(f"lnk_{i}") for i in range(100)} == {0, 1, 2, 3}


def test_zero_shards_is_refused():
    with pytest.raises(ValueError):
        Outbox(service="svc", shards=0)


async def test_stage_writes_the_event_in_the_same_transaction():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    outbox = Outbox(service="svc", key_prefix="p:", topic_prefix="t.")
    event = _event("lnk_1")
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(f"p:link:{outbox.tag('lnk_1')}:lnk_1", "revoked")
        outbox.stage(pipe, event)
        await pipe.execute()
    [(_, fields)] = await redis.xrange(outbox.stream(0))
    assert fields["topic"] == "t.share.revoked"
    assert fields["key"] == "lnk_1"
    assert fields["event_id"] == str(event.event_id)
    assert ShareRevoked.model_validate_json(fields["value"]) == event
    assert await redis.get(f"p:link:{outbox.tag('lnk_1')}:lnk_1") == "revoked"


async def test_an_event_added_alone_lands_in_its_shard_as_a_staged_one_does():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    outbox = Outbox(service="svc", shards=4)
    event = _event("lnk_7")
    await outbox.add(redis, event)
    [(_, fields)] = await redis.xrange(outbox.stream(outbox.shard_of("lnk_7")))
    assert fields["event_id"] == str(event.event_id)
    assert ShareRevoked.model_validate_json(fields["value"]) == event


async def test_an_aborted_transaction_stages_neither_change_nor_event():
    server = fakeredis.FakeServer()
    redis = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
    other = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
    outbox = Outbox(service="svc")
    key = f"link:{outbox.tag('lnk_1')}:lnk_1"  # the outbox's slot, as services key them
    async with redis.pipeline(transaction=True) as pipe:
        await pipe.watch(key)
        await other.set(key, "changed-meanwhile")
        pipe.multi()
        pipe.set(key, "revoked")
        outbox.stage(pipe, _event("lnk_1"))
        with pytest.raises(WatchError):
            await pipe.execute()
    assert await redis.get(key) == "changed-meanwhile"
    assert await redis.xlen(outbox.stream(0)) == 0
