"""A service's AsyncAPI 3 document, built once for the `/asyncapi.json` route and for the
committed `docs/asyncapi/` (tests/unit/test_asyncapi_docs.py)."""

from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

BATCHED = (
    "Consumed in batches of Kafka records; each record is one event with this payload, "
    "and a record that cannot be handled is dead-lettered alone."
)


def service_document(broker: KafkaBroker, title: str) -> dict[str, Any]:
    """What FastStream generates for `broker`'s subscribers and publishers, each payload
    being what one Kafka record holds."""
    spec = AsyncAPI(broker, title=title, version="1")
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    document.setdefault("defaultContentType", "application/json")
    for operation in document.get("operations", {}).values():
        if _unwrap_batches(document, operation):
            operation["description"] = BATCHED
    return document


def _unwrap_batches(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """A batch handler takes a list, so FastStream documents an array; every record on the
    wire is one event object: document the element instead. Answers whether it did."""
    components = document.get("components", {})
    schemas = components.get("schemas", {})
    channel = _resolve(document, operation["channel"]["$ref"])
    unwrapped = False
    for ref in channel.get("messages", {}).values():
        message = _resolve(document, ref["$ref"])
        payload_ref = message.get("payload", {}).get("$ref", "")
        payload = _resolve(document, payload_ref) if payload_ref else message.get("payload", {})
        if payload.get("type") != "array":
            continue
        element = payload["items"]
        if "$ref" in element:
            message["payload"] = element
        else:  # under the event's own name, as its producer's document has it
            schemas.setdefault(element["title"], element)
            message["payload"] = {"$ref": f"#/components/schemas/{element['title']}"}
        if payload_ref:
            schemas.pop(payload_ref.rsplit("/", 1)[-1], None)
        unwrapped = True
    return unwrapped


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    """The object a local `#/a/b` reference points at."""
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    result: dict[str, Any] = node
    return result
