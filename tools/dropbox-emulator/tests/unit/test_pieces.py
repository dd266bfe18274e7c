"""Pure pieces of the emulator: settings, paths, hashes, ranges and error summaries."""

import hashlib
from pathlib import Path

import pytest
from dropbox_emulator.api import summary
from dropbox_emulator.files import free_name
from dropbox_emulator.links import byte_range, content_type
from dropbox_emulator.settings import Settings, parse_bool, repo_root
from dropbox_emulator.state import World
from dropbox_emulator.tree import content_hash, normalize, put_file

pytestmark = pytest.mark.unit


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DROPBOX_EMULATOR_PORT": "9443",
            "DROPBOX_EMULATOR_CA_FILE": str(tmp_path / "ca.pem"),
            "DROPBOX_EMULATOR_ACCESS_TOKEN_TTL_S": "5",
            "DROPBOX_EMULATOR_SEED_DEMO": "off",
            "DROPBOX_EMULATOR_CERT_HOSTS": "dropbox-emulator, emulator.local",
        }
    )

    assert (settings.port, settings.access_token_ttl_s, settings.seed_demo) == (9443, 5, False)
    assert settings.ca_file == tmp_path / "ca.pem"
    assert settings.base_url == "https://localhost:9443"
    assert settings.cert_hosts == ("localhost", "127.0.0.1", "dropbox-emulator", "emulator.local")


def test_default_ca_file_is_in_the_workspace_cache() -> None:
    settings = Settings.from_env({})

    assert settings.ca_file == repo_root() / ".cache" / "dropbox-emulator" / "ca.pem"
    assert (repo_root() / "pyproject.toml").read_text().count("[tool.uv.workspace]") == 1


def test_repo_root_falls_back_to_the_start(tmp_path: Path) -> None:
    assert repo_root(tmp_path) == tmp_path.resolve()


def test_nonsense_booleans_are_refused() -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("path", "normal"), [("", ""), ("/", ""), ("/A//b/", "/A/b"), ("a/B", "/a/B")]
)
def test_paths_are_normalized(path: str, normal: str) -> None:
    assert normalize(path) == normal


def test_content_hash_hashes_4_mib_blocks() -> None:
    data = b"a" * (4 * 1024 * 1024 + 1)
    blocks = hashlib.sha256(data[: 4 * 1024 * 1024]).digest() + hashlib.sha256(b"a").digest()

    assert content_hash(data) == hashlib.sha256(blocks).hexdigest()


@pytest.mark.parametrize(
    ("header", "span"),
    [
        ("bytes=0-9", (0, 9)),
        ("bytes=90-", (90, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=50-500", (50, 99)),
        ("bytes=-", None),
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header: str, span: tuple[int, int] | None) -> None:
    assert byte_range(header, 100) == span


def test_content_types_follow_the_extension() -> None:
    assert [content_type(n) for n in ("a.WAV", "b.mp3", "c.zip", "d.als", "noext")] == [
        "audio/wav",
        "audio/mpeg",
        "application/zip",
        "application/octet-stream",
        "application/octet-stream",
    ]


def test_error_summary_names_the_nested_tags() -> None:
    tagged = {".tag": "path", "path": {".tag": "not_found"}}

    assert summary(tagged) == "path/not_found/.."
    assert summary({".tag": "reset"}) == "reset/.."


def test_free_name_counts_up() -> None:
    account = World().ensure_account("a@example.com")
    put_file(account, "/x/Take.wav", b"1")
    put_file(account, "/x/Take (1).wav", b"2")

    assert free_name(account, "/x/Take.wav") == "/x/Take (2).wav"


def test_accounts_are_found_by_email_in_any_case() -> None:
    world = World()
    made = world.ensure_account("Bob.Smith@Example.com")

    assert world.ensure_account("bob.smith@example.com") is made
    assert made.display_name == "Bob Smith"
    assert len(made.account_id) == 40
