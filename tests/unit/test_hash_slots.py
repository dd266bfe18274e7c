"""The hash-slot check (service_kit.hash_slots) catches what Redis Cluster would refuse, so
that the whole suite, run on one Redis under it, proves the keys of every script,
transaction and WATCH share a slot. Keys computed by the services' own key functions."""

import fakeredis
import pytest
from messaging.outbox import Outbox
from redis.crc import key_slot
from redis.exceptions import ResponseError
from service_kit.hash_slots import CrossSlot, checking, keys_of, require_one_slot

pytestmark = pytest.mark.unit


def test_keys_are_read_where_each_command_keeps_them():
    assert keys_of(["EVALSHA", "abc", 2, "k1", "k2", "arg"]) == ["k1", "k2"]
    assert keys_of(["MGET", "a", "b"]) == ["a", "b"]
    assert keys_of(["MSET", "a", "1", "b", "2"]) == ["a", "b"]
    assert keys_of(["GET", "a"]) == [], "one key is one slot"


def test_keys_with_one_hash_tag_share_a_slot_and_others_need_not():
    require_one_slot(["link:{link-service:3}:a", "outbox:{link-service:3}"], "ok")
    assert key_slot(b"a") != key_slot(b"b")
    with pytest.raises(CrossSlot, match="a → .*b → "):
        require_one_slot(["a", "b"], "MGET")


async def test_a_transaction_over_two_slots_is_refused_before_it_is_sent():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    outbox = Outbox(service="svc", shards=4)
    with checking():
        async with redis.pipeline(transaction=True) as pipe:  # the outbox's own slot: fine
            pipe.set("link:" + outbox.tag("lnk_1") + ":lnk_1", "x")
            pipe.xadd(outbox.stream(outbox.shard_of("lnk_1")), {"v": "1"})
            await pipe.execute()
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set("link:lnk_1", "x")  # no tag: another slot than its event's stream
            pipe.xadd(outbox.stream(outbox.shard_of("lnk_1")), {"v": "2"})
            with pytest.raises(CrossSlot, match="MULTI/EXEC"):
                await pipe.execute()
    assert await redis.xlen(outbox.stream(outbox.shard_of("lnk_1"))) == 1, "one went through"
    assert await redis.get("link:lnk_1") is None


async def test_a_watch_in_another_slot_than_the_transaction_is_refused():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    with checking():
        async with redis.pipeline(transaction=True) as pipe:
            await pipe.watch("{a}:status")
            await pipe.get("{a}:job")  # a read under WATCH: same connection, same slot
            pipe.multi()
            pipe.set("{b}:status", "x")
            with pytest.raises(CrossSlot, match=r"\{a\}:status"):
                await pipe.execute()


async def test_a_script_over_two_slots_is_refused_inside_a_pipeline_or_not():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)  # it runs no Lua: a sent script
    with checking():  # comes back "unknown command", a refused one never leaves
        with pytest.raises(ResponseError, match="unknown command"):
            await redis.evalsha("0" * 40, 2, "{x}:1", "{x}:2")
        with pytest.raises(CrossSlot, match="EVALSHA"):
            await redis.evalsha("0" * 40, 2, "x1", "x2")
        async with redis.pipeline(transaction=False) as pipe:
            pipe.execute_command("EVALSHA", "0" * 40, 2, "y1", "y2")
            with pytest.raises(CrossSlot, match="EVALSHA"):
                await pipe.execute()


async def test_a_command_the_cluster_pipeline_refuses_is_refused_in_any_pipeline():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    with checking():
        async with redis.pipeline(transaction=False) as pipe:
            with pytest.raises(CrossSlot, match="pfcount"):
                pipe.pfcount("{a}visitors")
            pipe.execute_command("PFCOUNT", "{a}visitors")  # the way that works on both
            assert await pipe.execute() == [0]
        assert await redis.pfcount("{a}visitors") == 0, "outside a pipeline it is fine"
