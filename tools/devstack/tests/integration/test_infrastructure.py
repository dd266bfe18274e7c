from urllib.parse import urlsplit

from devstack import kafka, procs, redis


def test_kafka_ensure_running_reuses_the_running_broker():
    first = kafka.ensure_running()
    try:
        pid = procs.read_pid(kafka.NAME)

        again = kafka.ensure_running()

        assert again == procs.Running(first.address, started=False)
        assert procs.read_pid(kafka.NAME) == pid
    finally:
        if first.started:
            kafka.stop()


def test_redis_ensure_running_reuses_the_running_server():
    first = redis.ensure_running()
    try:
        again = redis.ensure_running()

        assert again == procs.Running(first.address, started=False)
    finally:
        if first.started:
            redis.stop()


def test_redis_answers_ping(redis_url):
    address = urlsplit(redis_url)

    assert address.port is not None
    assert redis.answers_ping(address.port, address.hostname or "127.0.0.1")
