"""Every MULTI/EXEC is opened by `messaging.transactions.transaction`: on a Redis Cluster it
runs on the primary of its slot, where redis-py's own cluster transaction would block the
service's event loop on every command (docs/scaling.md)."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
THE_ONE_PLACE = ROOT / "libs/messaging/src/messaging/transactions.py"


def test_no_production_code_opens_a_transaction_pipeline_itself():
    sources = [
        *ROOT.glob("libs/*/src/**/*.py"),
        *ROOT.glob("services/*/src/**/*.py"),
        *ROOT.glob("bench/*.py"),
    ]
    offenders = sorted(
        str(path.relative_to(ROOT))
        for path in sources
        if path != THE_ONE_PLACE and "transaction=True" in path.read_text()
    )
    assert len(sources) > 100, "the sources were found"
    assert not offenders, f"open it with messaging.transactions.transaction: {offenders}"
