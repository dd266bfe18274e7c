"""A local redis-server from the OS packages, with AOF persistence under .cache/redis.

Every write is fsynced before Redis answers (`appendfsync always`, as docker-compose.yml
runs it): a crash then loses nothing a service was told was stored (docs/reliability.md).
"""

import socket

from devstack import procs
from devstack.packages import debian_program
from devstack.paths import cache_dir

NAME = "redis"


def port() -> int:
    """Redis's port: REDIS_PORT, default 6379."""
    return procs.env_port("REDIS_PORT", 6379)


def url() -> str:
    """The URL clients use."""
    return f"redis://127.0.0.1:{port()}/0"


def answers_ping(redis_port: int, host: str = "127.0.0.1") -> bool:
    """Whether a Redis on host:port answers PING with +PONG (not -LOADING, replaying its AOF)."""
    try:
        with socket.create_connection((host, redis_port), timeout=1.0) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def is_ready() -> bool:
    """Whether Redis answers PING on its port."""
    return answers_ping(port())


def server_executable() -> str:
    """The redis-server executable; installed with apt-get when missing and we are root."""
    return debian_program("redis-server", "redis-server", "or point REDIS_URL at a running Redis")


def ensure_running(timeout: float = 30.0) -> procs.Running:
    """Start redis-server unless a Redis answers; return its URL and whether we started it."""
    pid = procs.read_pid(NAME)
    if is_ready():
        owner = f"devstack's, pid {pid}" if pid else "not started by devstack"
        print(f"devstack: Redis already answers on port {port()} ({owner}); reusing it")
        return procs.Running(url(), started=False)
    if pid is not None:
        print(f"devstack: Redis (pid {pid}) is starting; waiting for it")
        procs.wait_until(NAME, is_ready, pid, timeout)
        return procs.Running(url(), started=False)
    server = server_executable()
    data = cache_dir() / "redis"
    data.mkdir(parents=True, exist_ok=True)
    print(f"devstack: starting Redis on port {port()} (log: {procs.log_file(NAME)})")
    command = [
        server,
        "--port",
        str(port()),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--daemonize",
        "no",
        "--logfile",
        "",
    ]
    pid = procs.spawn(NAME, command)
    procs.wait_until(NAME, is_ready, pid, timeout)
    print(f"devstack: Redis is ready at {url()}")
    return procs.Running(url(), started=True)


def stop(*, hard: bool = False) -> bool:
    """Stop the Redis devstack started (SIGKILL when `hard`); False when there was none."""
    stopped = procs.stop(NAME, hard=hard)
    if stopped:
        print(f"devstack: {'killed' if hard else 'stopped'} Redis")
    return stopped
