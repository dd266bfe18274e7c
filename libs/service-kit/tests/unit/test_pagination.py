import pytest
from service_kit.pagination import decode_cursor, encode_cursor


def test_a_cursor_names_its_position():
    assert decode_cursor(encode_cursor((1764240000000, "lnk_a"))) == (1764240000000, "lnk_a")
    assert decode_cursor(None) is None


@pytest.mark.parametrize("cursor", ["garbage!", "bnVsbA==", "WyJhIiwgMV0=", "W10="])
def test_a_forged_cursor_is_refused(cursor: str):
    with pytest.raises(ValueError, match="cursor"):
        decode_cursor(cursor)
