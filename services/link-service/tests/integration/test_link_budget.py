"""The link-creation budget (issue 24): past LINKS_PER_HOUR links an hour, POST /v1/links is
429 link_budget_spent with Retry-After and stores nothing; budgets are per owner."""

import pytest
from link_service.settings import Settings
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A link-service allowing three links an hour per owner."""
    return settings.model_copy(update={"links_per_hour": 3})


async def test_links_past_the_hours_budget_are_429_and_store_nothing(producer, events):
    await producer.put_track("t-1", "Night Drive")
    made = [await producer.create_link(tracks=["t-1"]) for _ in range(3)]

    refused = await producer.post_link({"tracks": ["t-1"]})

    assert problem_of(refused) == (429, "link_budget_spent"), refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await producer.link_ids() == [link["id"] for link in reversed(made)]
    created = await events("share.created", owner_id=producer.owner_id)
    assert len(created) == 3


async def test_refused_requests_spend_no_budget_and_budgets_are_per_owner(producer, make_producer):
    await producer.put_track("t-1", "Night Drive")
    for _ in range(5):  # unknown tracks: 422, nothing spent
        assert (await producer.post_link({"tracks": ["t-nope"]})).status_code == 422
    for _ in range(3):
        await producer.create_link(tracks=["t-1"])

    other = make_producer()
    await other.connect_dropbox()
    await other.put_track("t-1", "Afterglow")

    assert (await other.post_link({"tracks": ["t-1"]})).status_code == 201
    assert (await producer.post_link({"tracks": ["t-1"]})).status_code == 429
