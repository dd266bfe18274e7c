import base64
import json

import pytest
from fastapi.exceptions import RequestValidationError
from service_kit.pagination import PageParams, decode_cursor, encode_cursor, page_params


def test_a_cursor_names_its_position():
    assert decode_cursor(encode_cursor((1764240000000, "lnk_a"))) == (1764240000000, "lnk_a")
    assert decode_cursor(None) is None


@pytest.mark.parametrize("cursor", ["garbage!", "bnVsbA==", "WyJhIiwgMV0=", "W10="])
def test_a_forged_cursor_is_refused(cursor: str):
    with pytest.raises(ValueError, match="cursor"):
        decode_cursor(cursor)


def _forged(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "position",
    [[True, "x"], [False, "x"], [1.5, "x"], [1, 2], [None, "x"], [1, "x", 3], {"a": 1}, "ab"],
)
def test_a_cursor_of_the_wrong_types_is_refused(position: object):
    with pytest.raises(ValueError, match="cursor"):
        decode_cursor(_forged(position))


async def test_page_params_answer_422_with_the_reason_for_a_forged_cursor():
    with pytest.raises(RequestValidationError) as refused:
        await page_params(limit=10, cursor=_forged([True, "x"]))
    [problem] = refused.value.errors()
    assert problem["loc"] == ("query", "cursor") and "handed out" in problem["msg"]
    expected = PageParams(10, (5, "a"))
    assert await page_params(limit=10, cursor=encode_cursor((5, "a"))) == expected
