import pytest
from devstack import credentials, redis


@pytest.fixture
def stack(tmp_path, monkeypatch):
    monkeypatch.setattr(credentials, "path", lambda: tmp_path / "credentials.env")
    monkeypatch.setattr(redis, "_data_dir", lambda node_port: tmp_path / "redis")
    monkeypatch.delenv("CLUSTER", raising=False)
    monkeypatch.setenv("REDIS_PORT", "16999")
    return tmp_path


def test_redis_starts_with_the_default_user_off_and_the_operator_alone(stack):
    # DESIGN §19: the services' users are applied after start (service_kit.grants).
    command = redis._command("redis-server", 16999)
    table = credentials.read()

    acl_file = command[command.index("--aclfile") + 1]
    assert acl_file == str(stack / "redis" / "users.acl")
    lines = (stack / "redis" / "users.acl").read_text().splitlines()
    assert lines == [
        "user default off resetpass ~* &* +@all",
        f"user operator on >{table['REDIS_OPERATOR_PASSWORD']} ~* &* +@all",
    ]
    assert (stack / "redis" / "users.acl").stat().st_mode & 0o077 == 0
    assert command[command.index("--bind") + 1] == "127.0.0.1"


def test_a_restart_keeps_the_saved_service_users_and_renews_the_operator(stack):
    # A service reconnecting to a restarted node gets in before the grants run again.
    acl = stack / "redis" / "users.acl"
    acl.parent.mkdir(parents=True)
    saved = "user gateway on #abc ~gw:* resetchannels -@all +get"
    acl.write_text(f"user default on nopass ~* +@all\nuser operator on #old ~* +@all\n{saved}\n")

    redis._command("redis-server", 16999)

    lines = acl.read_text().splitlines()
    password = credentials.read()["REDIS_OPERATOR_PASSWORD"]
    assert lines == [redis.DEFAULT_USER, f"user operator on >{password} ~* &* +@all", saved]


def test_the_operator_url_carries_the_operators_credentials(stack):
    password = credentials.ensure()["REDIS_OPERATOR_PASSWORD"]

    assert redis.operator_url() == f"redis://operator:{password}@127.0.0.1:16999/0"


def test_an_older_credentials_file_keeps_its_passwords_and_gains_the_missing_ones(stack):
    (stack / "credentials.env").write_text("KAFKA_OPERATOR_PASSWORD=kept\n")

    table = credentials.ensure()

    assert table["KAFKA_OPERATOR_PASSWORD"] == "kept"
    assert table["GATEWAY_REDIS_PASSWORD"] and table["REDIS_OPERATOR_PASSWORD"]
    assert credentials.read() == table
