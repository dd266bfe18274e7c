"""The development credentials of every Kafka principal and Redis user (DESIGN §19): made
once, kept in .run/credentials.env (`KEY=value` lines, readable by the owner alone), read by
devstack, the tests and whoever runs `dlq` or `redis-cli` by hand."""

import os
import secrets
from pathlib import Path

from service_kit.services import SERVICES

from devstack.paths import run_dir

OPERATOR = "operator"  # Kafka's super user and Redis's user allowed everything


def path() -> Path:
    """Where they are kept."""
    return run_dir() / "credentials.env"


def ensure() -> dict[str, str]:
    """The credentials, made on first use; a key missing from an older file is added."""
    kept = read()
    wanted = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",  # loopback only: TLS is for deployments
        "KAFKA_OPERATOR_USERNAME": OPERATOR,
        "KAFKA_OPERATOR_PASSWORD": None,
        "REDIS_OPERATOR_USERNAME": OPERATOR,
        "REDIS_OPERATOR_PASSWORD": None,
    }
    for spec in SERVICES:
        for system in ("KAFKA_SASL", "REDIS"):
            wanted[f"{spec.env_prefix}_{system}_USERNAME"] = spec.name
            wanted[f"{spec.env_prefix}_{system}_PASSWORD"] = None
    missing = {
        key: value or secrets.token_urlsafe(24) for key, value in wanted.items() if key not in kept
    }
    if missing:
        credentials = kept | missing
        file = path()
        file.parent.mkdir(parents=True, exist_ok=True)
        file.touch(mode=0o600)
        file.write_text("".join(f"{key}={value}\n" for key, value in credentials.items()))
        os.chmod(file, 0o600)
        return credentials
    return kept


def read() -> dict[str, str]:
    """What .run/credentials.env holds; {} before devstack made it."""
    if not path().is_file():
        return {}
    lines = path().read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
