"""Context variables that put the current request or event id into every log line."""

from contextvars import ContextVar

event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)
