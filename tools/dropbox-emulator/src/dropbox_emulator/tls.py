"""TLS material: a CA kept beside its PEM file, and a fresh server certificate per start."""

from __future__ import annotations

import os
from pathlib import Path

import trustme

from .settings import Settings


def prepare_tls(settings: Settings) -> Path:
    """Write the CA (reusing a saved one) and a server key+chain PEM; return the latter's path."""
    settings.ca_file.parent.mkdir(parents=True, exist_ok=True)
    ca = load_or_make_ca(settings.ca_file)
    server_pem = settings.ca_file.with_name(f"server-{settings.port}.pem")
    write_private(
        server_pem, ca.issue_cert(*settings.cert_hosts).private_key_and_cert_chain_pem.bytes()
    )
    return server_pem


def load_or_make_ca(ca_file: Path) -> trustme.CA:
    """The CA saved at `ca_file` (key beside it), so clients keep trusting it across restarts."""
    key_file = ca_file.with_name(ca_file.stem + "-key.pem")
    if ca_file.is_file() and key_file.is_file():
        try:
            return trustme.CA.from_pem(ca_file.read_bytes(), key_file.read_bytes())
        except ValueError:
            pass  # unreadable or mismatched: replace it below
    ca = trustme.CA(organization_name="Dropbox emulator")
    write_private(key_file, ca.private_key_pem.bytes())
    ca.cert_pem.write_to_path(str(ca_file))
    return ca


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
