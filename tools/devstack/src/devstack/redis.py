"""Local redis-server from the OS packages, with AOF persistence under .cache: one server,
or with CLUSTER=1 a Redis Cluster of three primaries and three replicas on ports
7000–7005 (DESIGN §14), created with `redis-cli --cluster create` the first time.

Every write is fsynced before Redis answers (`appendfsync always`, as docker-compose.yml
runs it): a crash then loses nothing a service was told was stored (docs/reliability.md).
On a cluster a primary answers before its replica has the write; docs/scaling.md says what
a failover can lose.

Redis's default user is off (DESIGN §19): each node starts with an ACL file holding the
operator and the users saved by the last start; every service's user, limited to its keys
and the commands it uses, is applied at every start (service_kit.grants), saved to that file.
"""

import socket
import subprocess
import time
from functools import partial
from pathlib import Path

from service_kit.grants import RedisGrants
from service_kit.testing import TEST_KEY_GLOB

from devstack import cluster, credentials, procs
from devstack.packages import debian_program
from devstack.paths import DevstackError, cache_dir

NAME = "redis"
# Off with no password: nobody can sign in as it. Its rights are for the client that replays
# the AOF at start, which runs as the default user, and Redis 7 rechecks each EXEC's commands
# against them: with none, every MULTI/EXEC of the AOF is dropped (redis/redis#14541).
DEFAULT_USER = "user default off resetpass ~* &* +@all"
# A primary that does not answer for this long is replaced by its replica.
CLUSTER_NODE_TIMEOUT_MS = 2000


def port(of_cluster: bool | None = None) -> int:
    """The (first) node's port: REDIS_PORT, default 6379; REDIS_CLUSTER_PORT, default 7000,
    with CLUSTER=1 (`of_cluster` overrides CLUSTER)."""
    if cluster.enabled() if of_cluster is None else of_cluster:
        return procs.env_port("REDIS_CLUSTER_PORT", 7000)
    return procs.env_port("REDIS_PORT", 6379)


def ports(of_cluster: bool | None = None) -> list[int]:
    """Every node's port: one, or six on a cluster."""
    on_cluster = cluster.enabled() if of_cluster is None else of_cluster
    return [port(on_cluster) + n for n in range(6 if on_cluster else 1)]


def url() -> str:
    """The URL clients use (on a cluster any node's; the client finds the others)."""
    return f"redis://127.0.0.1:{port()}/0"


def _name(node_port: int) -> str:
    return NAME if node_port == port(of_cluster=False) else f"{NAME}-{node_port}"


def operator_url(node_port: int | None = None) -> str:
    """A node's URL (the first's by default) as the operator."""
    table = credentials.ensure()
    user, password = table["REDIS_OPERATOR_USERNAME"], table["REDIS_OPERATOR_PASSWORD"]
    return f"redis://{user}:{password}@127.0.0.1:{node_port or port()}/0"


def answers_ping(redis_port: int, host: str = "127.0.0.1") -> bool:
    """Whether a Redis on host:port answers PING with +PONG (not -LOADING, replaying its AOF),
    to the operator."""
    table = credentials.ensure()
    user, password = table["REDIS_OPERATOR_USERNAME"], table["REDIS_OPERATOR_PASSWORD"]
    hello = f"AUTH {user} {password}\r\nPING\r\n".encode()
    try:
        with socket.create_connection((host, redis_port), timeout=1.0) as conn:
            conn.sendall(hello)
            answer = b""
            while answer.count(b"\r\n") < 2 and (chunk := conn.recv(64)):
                answer += chunk
            return answer.split(b"\r\n")[1:2] == [b"+PONG"]
    except OSError:
        return False


def is_ready() -> bool:
    """Whether every node answers PING, and a cluster says it is ok with every replica
    holding its primary's data (a replica that has not synced since it started cannot take
    over: its data counts as too old)."""
    if not all(answers_ping(p) for p in ports()):
        return False
    if not cluster.enabled():
        return True
    return _cluster_info(port()).get("cluster_state") == "ok" and all(map(_in_sync, ports()))


def server_executable() -> str:
    """The redis-server executable; installed with apt-get when missing and we are root."""
    return debian_program("redis-server", "redis-server", "or point REDIS_URL at a running Redis")


def ensure_running(timeout: float = 30.0) -> procs.Running:
    """Start every node that does not answer (and form the cluster the first time); return
    the URL and whether we started any."""
    down = [p for p in ports() if not answers_ping(p)]
    if not down and is_ready():
        pids = {procs.read_pid(_name(p)) for p in ports()}
        owner = "devstack's" if None not in pids else "not all started by devstack"
        print(f"devstack: Redis already answers at {url()} ({owner}); reusing it")
        grant_services()
        return procs.Running(url(), started=False)
    server = server_executable()
    to_start = [p for p in down if procs.read_pid(_name(p)) is None]
    for node_port in to_start:
        log = procs.log_file(_name(node_port))
        print(f"devstack: starting Redis on port {node_port} (log: {log})")
        procs.spawn(_name(node_port), _command(server, node_port))
    for node_port in down:
        name = _name(node_port)
        procs.wait_until(name, partial(answers_ping, node_port), procs.last_pid(name), timeout)
    if cluster.enabled():
        _form_cluster(timeout)
    grant_services()
    print(f"devstack: Redis is ready at {url()}")
    return procs.Running(url(), started=bool(to_start))


def grant_services() -> None:
    """Every service's Redis user on every node, for its keys and those of test prefixes."""
    nodes = [operator_url(p) for p in ports()]
    RedisGrants(nodes).allow_services(credentials.ensure(), ("", TEST_KEY_GLOB))


def _command(server: str, node_port: int) -> list[str]:
    data = _data_dir(node_port)
    data.mkdir(parents=True, exist_ok=True)
    table = credentials.ensure()
    user, password = table["REDIS_OPERATOR_USERNAME"], table["REDIS_OPERATOR_PASSWORD"]
    acl_file = data / "users.acl"
    acl_file.touch(mode=0o600)
    # The services' users saved by the last start stay: a service reconnecting to a node
    # that restarts is let in before grant_services runs again.
    saved = [
        line
        for line in acl_file.read_text().splitlines()
        if not line.startswith(("user default ", f"user {user} "))
    ]
    first = [DEFAULT_USER, f"user {user} on >{password} ~* &* +@all"]
    acl_file.write_text("\n".join([*first, *saved]) + "\n")
    command = [server, "--port", str(node_port), "--bind", "127.0.0.1", "--dir", str(data)]
    command += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    command += ["--daemonize", "no", "--logfile", "", "--aclfile", str(acl_file)]
    if cluster.enabled():
        command += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
        command += ["--cluster-node-timeout", str(CLUSTER_NODE_TIMEOUT_MS)]
        # A replica syncs from its primary as the operator.
        command += ["--masteruser", user, "--masterauth", password]
    return command


def _data_dir(node_port: int) -> Path:
    if cluster.enabled():
        return cache_dir() / "redis-cluster" / str(node_port)
    return cache_dir() / "redis"


def _form_cluster(timeout: float) -> None:
    """Create the cluster when its nodes know only themselves (the first start); nodes that
    restart rejoin from their nodes.conf. Then wait until it serves every slot."""
    if _cluster_info(port()).get("cluster_known_nodes") == "1":
        nodes = [f"127.0.0.1:{p}" for p in ports()]
        print("devstack: creating the Redis Cluster (3 primaries, 3 replicas)")
        create = ["redis-cli", *_operator_options(), "--cluster", "create", *nodes]
        create += ["--cluster-replicas", "1"]
        result = subprocess.run(
            [*create, "--cluster-yes"], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise DevstackError(
                f"redis-cli --cluster create failed:\n{result.stdout}{result.stderr}"
                f"Run `make down`, delete {cache_dir() / 'redis-cluster'} and start again."
            )
    deadline = time.monotonic() + timeout
    while not is_ready():
        if time.monotonic() > deadline:
            raise DevstackError(
                f"the Redis Cluster is not ok after {timeout:.0f}s: {_cluster_info(port())}"
            )
        time.sleep(0.2)


def _cli(node_port: int, *command: str) -> list[str]:
    """The lines a command answers on one node (none when it does not answer)."""
    line = ["redis-cli", *_operator_options(), "-p", str(node_port), *command]
    result = subprocess.run(line, capture_output=True, text=True, check=False, timeout=5)
    return result.stdout.splitlines()


def _operator_options() -> list[str]:
    table = credentials.ensure()
    user, password = table["REDIS_OPERATOR_USERNAME"], table["REDIS_OPERATOR_PASSWORD"]
    return ["--user", user, "--pass", password, "--no-auth-warning"]


def _fields(lines: list[str]) -> dict[str, str]:
    """`key:value` lines (CLUSTER INFO, INFO) as a mapping."""
    pairs = (line.strip().partition(":") for line in lines)
    return {key: value for key, _, value in pairs if value}


def _cluster_info(node_port: int) -> dict[str, str]:
    """CLUSTER INFO of one node ({} when it does not answer)."""
    return _fields(_cli(node_port, "cluster", "info"))


def _in_sync(node_port: int) -> bool:
    """A primary, or a replica whose link to its primary is up."""
    replication = _fields(_cli(node_port, "info", "replication"))
    return replication.get("role") == "master" or replication.get("master_link_status") == "up"


def primaries() -> list[int]:
    """The ports of the cluster's primaries now (they change when a replica takes over)."""
    rows = [line.split() for line in _cli(port(), "cluster", "nodes")]
    masters = [r[1] for r in rows if "master" in r[2].split(",") and "fail" not in r[2]]
    return sorted(int(address.split("@")[0].rsplit(":", 1)[1]) for address in masters)


def kill(node_port: int) -> None:
    """SIGKILL one node (fault tests); `ensure_running` brings it back."""
    procs.stop(_name(node_port), hard=True)
    print(f"devstack: killed Redis on port {node_port}")


def stop(*, hard: bool = False) -> bool:
    """Stop every node devstack started, one or a cluster (SIGKILL when `hard`); False when
    there was none."""
    every = [*ports(of_cluster=False), *ports(of_cluster=True)]
    stopped = [procs.stop(_name(p), hard=hard) for p in every]
    if any(stopped):
        print(f"devstack: {'killed' if hard else 'stopped'} Redis")
    return any(stopped)
