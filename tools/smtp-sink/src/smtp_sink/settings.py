"""Where the sink listens, from the environment."""

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Addresses and limits of one sink."""

    host: str = "127.0.0.1"
    smtp_port: int = 1025
    web_port: int = 8025
    max_messages: int = 10_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        """`SMTP_SINK_HOST`, `SMTP_SINK_PORT`, `SMTP_SINK_WEB_PORT`, `SMTP_SINK_MAX_MESSAGES`."""
        return cls(
            host=env.get("SMTP_SINK_HOST", cls.host),
            smtp_port=int(env.get("SMTP_SINK_PORT", cls.smtp_port)),
            web_port=int(env.get("SMTP_SINK_WEB_PORT", cls.web_port)),
            max_messages=int(env.get("SMTP_SINK_MAX_MESSAGES", cls.max_messages)),
        )
