"""Write each event's JSON schema under libs/contracts/schemas/ (run: `make contracts-snapshot`)."""

import json
from pathlib import Path
from typing import Any

from contracts.events import EVENTS, Event, require_envelope

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
# pydantic writes 2020-12 schemas; saying so lets any validator read the files as we mean them.
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def snapshot_path(model: type[Event]) -> Path:
    """Where the schema of `model` at its current schema_version is kept."""
    version = model.model_fields["schema_version"].default
    return SCHEMA_DIR / f"{model.topic}.v{version}.json"


def render(model: type[Event]) -> str:
    """The stable text of a model's JSON schema."""
    return _text(model.model_json_schema())


def _text(schema: dict[str, Any]) -> str:
    return json.dumps({"$schema": DIALECT} | schema, indent=2, sort_keys=True) + "\n"


def version_of(path: Path) -> int:
    """The schema_version a snapshot `<topic>.v<N>.json` describes."""
    return int(path.name.removesuffix(".json").rsplit(".v", 1)[1])


def main() -> None:
    """Write a snapshot for every event model; earlier versions' snapshots keep their fields
    and say what the wire always held of them too (decision 0003: the envelope)."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    current = {snapshot_path(model) for model in EVENTS}
    for path in sorted(SCHEMA_DIR.glob("*.v*.json")):
        if path not in current:
            schema = json.loads(path.read_text())
            require_envelope(schema, version_of(path))
            path.write_text(_text(schema))
    for model in EVENTS:
        snapshot_path(model).write_text(render(model))


if __name__ == "__main__":
    main()
