"""Write each event's JSON schema under libs/contracts/schemas/ (run: `make contracts-snapshot`)."""

import json
from pathlib import Path

from contracts.events import EVENTS, Event

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def snapshot_path(model: type[Event]) -> Path:
    """Where the schema of `model` at its current schema_version is kept."""
    version = model.model_fields["schema_version"].default
    return SCHEMA_DIR / f"{model.topic}.v{version}.json"


def render(model: type[Event]) -> str:
    """The stable text of a model's JSON schema."""
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write a snapshot for every event model."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    for model in EVENTS:
        snapshot_path(model).write_text(render(model))


if __name__ == "__main__":
    main()
