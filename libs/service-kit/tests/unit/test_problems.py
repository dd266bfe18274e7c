"""Every error answer is problem+json (DESIGN §15): raised, mapped, FastAPI's own and the
body limit's."""

from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel
from service_kit.body_limit import BodyLimit
from service_kit.problems import PROBLEM_JSON, Problem, ProblemDetails, install_problem_handlers

pytestmark = pytest.mark.unit


class Spent(Exception):
    """A domain exception the app maps onto a problem."""


class Body(BaseModel):
    name: str


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    spent = Problem(429, "share_rate_limited", "Too much sharing", "Wait.", retry_after=7)
    install_problem_handlers(app, {Spent: lambda error: spent})
    app.add_middleware(BodyLimit, max_bytes=100)

    @app.get("/things/{thing_id}")
    def thing(thing_id: str, limit: Annotated[int, Query(ge=1)] = 1) -> dict[str, str]:
        raise Problem.not_found("thing")

    @app.post("/things")
    def create(body: Body) -> dict[str, str]:
        raise Spent()

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _problem(answer: httpx.Response, status: int, code: str) -> ProblemDetails:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    problem = ProblemDetails.model_validate(answer.json())
    assert (problem.status, problem.code, problem.type) == (status, code, f"/problems/{code}")
    assert problem.title and problem.detail
    return problem


async def test_a_raised_problem_is_answered_with_its_code_and_words(client: httpx.AsyncClient):
    answer = await client.get("/things/t-1")
    problem = _problem(answer, 404, "thing_not_found")
    assert problem.detail == "You have no thing with this id."
    assert "errors" not in answer.json()


async def test_a_mapped_domain_exception_carries_retry_after(client: httpx.AsyncClient):
    answer = await client.post("/things", json={"name": "x"})
    _problem(answer, 429, "share_rate_limited")
    assert answer.headers["retry-after"] == "7"


async def test_a_validation_error_lists_every_reason(client: httpx.AsyncClient):
    answer = await client.get("/things/t-1", params={"limit": 0})
    problem = _problem(answer, 422, "validation_failed")
    assert problem.errors is not None
    [issue] = problem.errors
    assert (issue.loc, issue.type) == (["query", "limit"], "greater_than_equal")
    assert "query.limit" in problem.detail


async def test_a_body_that_is_not_json_is_a_validation_problem(client: httpx.AsyncClient):
    answer = await client.post("/things", content=b"{nope", headers={"content-type": "x/json"})
    assert _problem(answer, 422, "validation_failed").errors


async def test_an_unknown_route_and_a_wrong_method_are_problems(client: httpx.AsyncClient):
    _problem(await client.get("/nowhere"), 404, "not_found")
    wrong = await client.delete("/things")
    _problem(wrong, 405, "method_not_allowed")
    assert wrong.headers["allow"] == "POST"


async def test_a_body_over_the_limit_is_refused_before_parsing(client: httpx.AsyncClient):
    answer = await client.post("/things", json={"name": "x" * 200})
    problem = _problem(answer, 422, "body_too_large")
    assert "100 bytes" in problem.detail


def test_a_problem_code_is_snake_case():
    with pytest.raises(ValueError, match="pattern"):
        Problem(409, "Not-Snake", "Title", "Words.")
