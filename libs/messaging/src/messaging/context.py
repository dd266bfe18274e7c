"""Context variables that put the current correlation and event ids into every log line.

The correlation id starts with an HTTP request (its `X-Request-ID`, or a new one), rides
with every event staged meanwhile (the outbox keeps it, the relay sends it as the Kafka
header `correlation-id`), and is set again around every handler of such an event, so one
id follows a request through every service it sets in motion.
"""

import re
from contextvars import ContextVar

event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)

CORRELATION_HEADER = "correlation-id"
# What a correlation id may be when it comes from outside (a header): short, plain.
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def safe_correlation_id(value: str | None) -> str | None:
    """`value` when it is fit to log and pass on, else None (a new one is made then)."""
    return value if value and _SAFE.fullmatch(value) else None
