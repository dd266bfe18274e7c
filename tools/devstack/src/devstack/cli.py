"""The `devstack` command: up, down, run, infra up|down, status."""

import argparse
import io
import os
import signal
import sys
import time
from collections.abc import Callable
from functools import partial
from types import FrameType
from typing import NoReturn

from devstack import demo, kafka, procs, redis, services
from devstack.follow import LogFollower
from devstack.paths import DevstackError

Stopper = Callable[[], bool]
_DOWN_HINT = "`make down` (or `devstack down`) stops what did start"


def _infra_up(started: list[Stopper]) -> dict[str, str]:
    """Start Kafka and Redis as needed; return the services' environment."""
    broker = kafka.ensure_running()
    if broker.started:
        started.append(kafka.stop)
    store = redis.ensure_running()
    if store.started:
        started.append(redis.stop)
    return services.service_env(os.environ, broker.address, store.address)


def _up(started: list[Stopper], timeout: float) -> None:
    """Start whatever is not running, appending a stopper for each, and wait until all are ready."""
    env = _infra_up(started)
    for service in services.SERVICES:
        if services.start(service, env):
            started.append(partial(services.stop, service))
    deadline = time.monotonic() + timeout
    for service in services.SERVICES:
        services.wait_ready(service, env, max(1.0, deadline - time.monotonic()))
        print(f"devstack: {service.name} is ready")
    _print_urls(env)
    _load_demo(env)


def _load_demo(env: dict[str, str]) -> None:
    """Seed the demo producer; a failure is reported, the services keep running."""
    print("devstack: loading demo data (Mara Vale, Dropbox connected, 12 tracks, EP 2026 link)")
    try:
        for name, value in demo.seed(env).items():
            print(f"  {name:<18} {value}")
    except DevstackError as error:
        print(f"devstack: demo data not loaded: {error}")


def _print_urls(env: dict[str, str]) -> None:
    print("devstack: everything is ready")
    for service in services.SERVICES:
        print(f"  {service.name:<18} {service.url(env)}")
    admin = env.get("GATEWAY_ADMIN_PORT", "8009")
    print(f"  {'gateway (admin)':<18} http://127.0.0.1:{admin}  (docs, OpenAPI, metrics)")
    print(f"  {'Kafka':<18} {kafka.address()}")
    print(f"  {'Redis':<18} {redis.url()}")


def _down(infra_only: bool = False) -> None:
    stopped = [] if infra_only else [services.stop(s) for s in reversed(services.SERVICES)]
    stopped += [redis.stop(), kafka.stop()]
    if not any(stopped):
        print("devstack: nothing started by devstack was running")


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def _run(timeout: float) -> None:
    """Start everything, stream the services' logs, and stop what this run started on Ctrl-C."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    follower = LogFollower({s.name: procs.log_file(s.name) for s in services.SERVICES})
    started: list[Stopper] = []
    try:
        _up(started, timeout)
        print("devstack: streaming the services' logs; Ctrl-C stops what this run started")
        _stream(follower)
    except KeyboardInterrupt:
        print("\ndevstack: stopping")
    finally:
        # A second Ctrl-C must not abandon half-stopped processes; each stop ends in SIGKILL anyway.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        for stop in reversed(started):
            stop()


def _stream(follower: LogFollower) -> NoReturn:
    reported: set[str] = set()
    while True:
        if not follower.poll():
            time.sleep(0.2)
        for service in services.SERVICES:
            if service.name not in reported and procs.read_pid(service.name) is None:
                reported.add(service.name)
                log = procs.log_file(service.name)
                print(f"devstack: {service.name} is not running; see {log}")


def _status() -> None:
    env = services.service_env(os.environ, kafka.address(), redis.url())
    rows = [
        ("kafka", kafka.address(), kafka.is_ready()),
        ("redis", redis.url(), redis.is_ready()),
        *((s.name, s.url(env), services.is_ready(s, env)) for s in services.SERVICES),
    ]
    for name, where, ready in rows:
        pid = procs.read_pid(name)
        state = "ready" if ready else "starting" if pid else "stopped"
        owner = f"pid {pid}" if pid else "not started by devstack" if ready else ""
        print(f"{name:<18} {state:<9} {where:<28} {owner}".rstrip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("up", "start Kafka, Redis and every service in the background; wait until ready"),
        ("run", "like up, then stream the services' logs; Ctrl-C stops what it started"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument(
            "--timeout", type=float, default=120.0, help="seconds to wait for the services (120)"
        )
    commands.add_parser("down", help="stop everything devstack started (services, Redis, Kafka)")
    infra = commands.add_parser("infra", help="only Kafka and Redis")
    infra.add_argument("action", choices=["up", "down"])
    commands.add_parser("status", help="what runs, where, and who started it")
    commands.add_parser("demo-link", help="print the demo share link (loads the demo if needed)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the devstack command line; return the exit status."""
    args = _parser().parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        if args.command == "up":
            _up([], args.timeout)
        elif args.command == "run":
            _run(args.timeout)
        elif args.command == "down":
            _down()
        elif args.command == "infra" and args.action == "up":
            _infra_up([])
        elif args.command == "infra":
            _down(infra_only=True)
        elif args.command == "demo-link":
            env = services.service_env(os.environ, kafka.address(), redis.url())
            print(demo.seed(env)["share link"])
        else:
            _status()
    except DevstackError as error:
        print(f"devstack: error: {error}", file=sys.stderr)
        if args.command in ("up", "infra"):
            print(f"devstack: {_DOWN_HINT}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ndevstack: interrupted; {_DOWN_HINT}", file=sys.stderr)
        return 130
    return 0
