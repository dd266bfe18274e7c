"""The emulator's settings, read from DROPBOX_EMULATOR_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "DROPBOX_EMULATOR_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """Where the emulator listens, how long its tokens and links live, what it seeds."""

    ca_file: Path
    host: str = "127.0.0.1"
    port: int = 8443
    access_token_ttl_s: int = 14400
    temp_link_ttl_s: int = 14400
    auth_code_ttl_s: int = 600
    seed_demo: bool = True
    extra_cert_hosts: tuple[str, ...] = ()
    public_url: str = ""

    @property
    def base_url(self) -> str:
        """The HTTPS origin that clients use; temporary links and previews point here."""
        return self.public_url.rstrip("/") or f"https://localhost:{self.port}"

    @property
    def cert_hosts(self) -> tuple[str, ...]:
        """The names and addresses the server certificate is valid for."""
        return ("localhost", "127.0.0.1", *self.extra_cert_hosts)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment, with working development defaults."""
        env = os.environ if env is None else env

        def get(name: str, default: str) -> str:
            return env.get(PREFIX + name, "").strip() or default

        ca_default = repo_root() / ".cache" / "dropbox-emulator" / "ca.pem"
        hosts = tuple(h.strip() for h in get("CERT_HOSTS", "").split(",") if h.strip())
        return cls(
            ca_file=Path(get("CA_FILE", str(ca_default))),
            host=get("HOST", cls.host),
            port=int(get("PORT", str(cls.port))),
            access_token_ttl_s=int(get("ACCESS_TOKEN_TTL_S", str(cls.access_token_ttl_s))),
            temp_link_ttl_s=int(get("TEMP_LINK_TTL_S", str(cls.temp_link_ttl_s))),
            auth_code_ttl_s=int(get("AUTH_CODE_TTL_S", str(cls.auth_code_ttl_s))),
            seed_demo=parse_bool(get("SEED_DEMO", "true")),
            extra_cert_hosts=hosts,
            public_url=get("PUBLIC_URL", ""),
        )


def parse_bool(value: str) -> bool:
    """A yes/no setting; anything unrecognised is an error rather than a silent default."""
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def repo_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (the cwd) whose pyproject.toml is a uv workspace."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text("utf-8"):
            return folder
    return here
