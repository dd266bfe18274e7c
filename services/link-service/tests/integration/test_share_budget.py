"""The sharing budget (issue 13): a producer cannot start share jobs or invitations past
the limits; the refusal is 429 with Retry-After and starts nothing."""

import pytest
from link_service.settings import Settings
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration

PEOPLE = [
    {"collaborator_id": f"c-{i}", "email": f"p{i}@example.com", "name": f"P{i}"} for i in range(3)
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A link-service allowing three jobs an hour and five invitations a day per owner."""
    return settings.model_copy(update={"share_jobs_per_hour": 3, "share_invitations_per_day": 5})


async def test_invitations_past_the_days_budget_are_refused_and_start_nothing(
    producer, make_producer
):
    await producer.put_track("t-3", "Three", collaborators=PEOPLE)
    await producer.put_track("t-2", "Two", collaborators=PEOPLE[:2])
    share = "/v1/collaborators/share-bulk"
    first = await producer.http.post(
        share, json={"track_ids": ["t-3"], "mode": "files"}, headers=producer.headers
    )
    assert first.status_code == 202, first.text
    refused = await producer.http.post(
        share, json={"track_ids": ["t-3"], "mode": "files"}, headers=producer.headers
    )
    assert problem_of(refused) == (429, "share_rate_limited")  # 3 + 3 > 5
    assert 0 < int(refused.headers["retry-after"]) <= 86400
    status = await producer.http.get("/v1/tracks/t-2/share-status", headers=producer.headers)
    assert {p["status"] for p in status.json()["collaborators"]} == {"not_shared"}
    fits = await producer.http.post(
        "/v1/tracks/t-2/collaborators/share", json={"mode": "files"}, headers=producer.headers
    )
    assert fits.status_code == 202, "3 + 2 = 5 still fits"

    other = make_producer()  # budgets are per owner
    await other.connect_dropbox()
    await other.put_track("t-3", "Three", collaborators=PEOPLE)
    theirs = await other.http.post(
        "/v1/tracks/t-3/collaborators/share", json={"mode": "files"}, headers=other.headers
    )
    assert theirs.status_code == 202


async def test_jobs_past_the_hours_budget_are_refused(producer):
    for name in "abcd":
        await producer.put_track(f"t-{name}", name.upper(), collaborators=PEOPLE[:1])
    answers = [
        await producer.http.post(
            f"/v1/tracks/t-{name}/collaborators/share",
            json={"mode": "files"},
            headers=producer.headers,
        )
        for name in "abcd"
    ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert 0 < int(answers[-1].headers["retry-after"]) <= 3600
