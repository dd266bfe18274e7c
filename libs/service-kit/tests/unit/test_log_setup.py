import json
import logging

from messaging.context import correlation_id_var, event_id_var
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext
from service_kit.log_setup import JsonFormatter


def _format(**extra: object) -> dict[str, object]:
    record = logging.LogRecord("x.y", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter("demo").format(record))


def test_a_line_is_json_with_service_level_and_message():
    line = _format()
    assert (line["service"], line["level"], line["logger"], line["msg"]) == (
        "demo",
        "INFO",
        "x.y",
        "hello you",
    )


def test_request_and_event_ids_are_carried():
    request_token = correlation_id_var.set("req-1")
    event_token = event_id_var.set("evt-1")
    try:
        line = _format()
    finally:
        correlation_id_var.reset(request_token)
        event_id_var.reset(event_token)
    assert (line["correlation_id"], line["event_id"]) == ("req-1", "evt-1")


def test_extra_fields_are_kept_and_uvicorn_colour_dropped():
    line = _format(topics=["a"], color_message="\x1b[1mhello\x1b[0m")
    assert line["topics"] == ["a"]
    assert "color_message" not in line


def test_the_current_trace_id_is_carried_and_none_outside_a_trace():
    context = SpanContext(trace_id=0xABC, span_id=0x1, is_remote=False)
    with trace.use_span(NonRecordingSpan(context)):
        line = _format()
    assert line["trace_id"] == f"{0xABC:032x}"
    assert "trace_id" not in _format()


def test_ids_passed_in_extra_are_fields_and_stay_out_of_the_message():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("test.log_setup.ids")
    logger.addHandler(handler)
    try:
        logger.warning("mailed the collaborator", extra={"owner_id": "u-1", "track_id": "t-9"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(JsonFormatter("demo").format(records[0]))
    assert (line["owner_id"], line["track_id"]) == ("u-1", "t-9")
    assert line["msg"] == "mailed the collaborator"
