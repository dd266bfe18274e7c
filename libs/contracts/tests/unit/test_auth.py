import time

import pytest
from contracts.auth import (
    InvalidToken,
    decode_producer_token,
    internal_token_matches,
    issue_producer_token,
)

SECRET = "test-secret-that-is-at-least-32-bytes-long"
OTHER = "another-secret-that-is-at-least-32-bytes"


def test_valid_token_gives_the_producer():
    token = issue_producer_token("u-1", SECRET, expires_at=int(time.time()) + 60, email="a@b.c")
    principal = decode_producer_token(token, SECRET)
    assert (principal.user_id, principal.email, principal.name) == ("u-1", "a@b.c", None)


def test_expired_token_is_invalid():
    token = issue_producer_token("u-1", SECRET, expires_at=int(time.time()) - 5)
    with pytest.raises(InvalidToken):
        decode_producer_token(token, SECRET)


def test_wrong_secret_is_invalid():
    token = issue_producer_token(
        "u-1", "another-secret-that-is-at-least-32-bytes", expires_at=int(time.time()) + 60
    )
    with pytest.raises(InvalidToken):
        decode_producer_token(token, SECRET)


def test_token_without_exp_is_invalid():
    import jwt

    token = jwt.encode({"sub": "u-1"}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        decode_producer_token(token, SECRET)


def test_none_algorithm_is_refused():
    import jwt

    token = jwt.encode({"sub": "u-1", "exp": int(time.time()) + 60}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        decode_producer_token(token, SECRET)


def test_garbage_is_invalid():
    with pytest.raises(InvalidToken):
        decode_producer_token("not-a-jwt", SECRET)


def test_internal_token_comparison():
    assert internal_token_matches("abc", "abc")
    assert not internal_token_matches("abd", "abc")
    assert not internal_token_matches(None, "abc")
