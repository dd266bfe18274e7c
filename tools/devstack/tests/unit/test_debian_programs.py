import pytest
from devstack import packages, redis
from devstack.paths import DevstackError


def test_a_missing_redis_server_without_root_says_what_to_install(monkeypatch):
    monkeypatch.setattr(packages.shutil, "which", lambda name: None)
    monkeypatch.setattr(packages.os, "geteuid", lambda: 1000)

    with pytest.raises(DevstackError, match="apt-get install -y redis-server"):
        redis.server_executable()


def test_redis_url_follows_redis_port(monkeypatch):
    monkeypatch.setenv("REDIS_PORT", "16380")

    assert redis.url() == "redis://127.0.0.1:16380/0"
