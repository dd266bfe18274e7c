import pytest
from dropbox_service.paths import check_dropbox_path


@pytest.mark.parametrize(
    "path", ["/a.wav", "/Producer Dashboard/Night Drive/Night Drive (Master).wav", "/ü/ß.flac"]
)
def test_absolute_paths_inside_the_dropbox_are_accepted(path: str):
    assert check_dropbox_path(path) == path


@pytest.mark.parametrize(
    "path",
    ["", "/", "a.wav", "/a/../b.wav", "/a/./b", "//a", "/a/", "/a\x00b", "/a\\b", "/" + "x" * 5000],
)
def test_paths_escaping_or_malformed_are_refused(path: str):
    with pytest.raises(ValueError):
        check_dropbox_path(path)
