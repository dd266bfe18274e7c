import re

import pytest
from contracts.ids import (
    JOB_ID_PATTERN,
    TOKEN_PATTERN,
    digest,
    is_token,
    keyed_digest,
    new_id,
    new_token,
)

pytestmark = pytest.mark.unit


def test_new_tokens_have_the_share_token_shape_and_differ():
    tokens = {new_token(24) for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(TOKEN_PATTERN, token) and is_token(token) for token in tokens)


def test_new_ids_name_their_kind_and_have_its_shape():
    job = new_id("job")
    assert re.fullmatch(JOB_ID_PATTERN, job), job
    assert new_id("job") != job
    assert re.fullmatch(r"holder_[0-9a-f]{16}", new_id("holder", 8))


def test_digests_are_sha256_and_hmac_sha256_cut_to_the_length_asked():
    # Stored keys and link ids are made of these: their values must never change.
    assert digest("abc", 16) == "ba7816bf8f01cfea"
    assert keyed_digest(b"key", b"The quick brown fox jumps over the lazy dog", 16) == (
        "f7bc83f430538424"
    )
