"""consortium.contract.library: the sharing library's path and digests, as `sha256sum` and the SRI
specification write them (the values below from coreutils and `openssl dgst -sha384 -binary | base64`)."""

import hashlib
from pathlib import Path

from consortium.contract import library

ROOT = Path(__file__).resolve().parents[2]


def test_it_finds_the_library_in_the_checkout():
    assert library.sharing_library_path() == ROOT / "static" / "js" / "sharing.js"
    assert library.sharing_library_path().is_file()


def test_its_sha256_is_what_sha256sum_prints():
    assert library.sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_its_sri_value_is_sha384_in_base64():
    assert library.sri(b"abc") == "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"


def test_the_shipped_digest_is_the_files_and_empty_without_the_file(monkeypatch, tmp_path):
    expected = hashlib.sha256((ROOT / "static" / "js" / "sharing.js").read_bytes()).hexdigest()
    assert library.shipped_sha256() == expected
    monkeypatch.setattr(library, "sharing_library_path", lambda: tmp_path / "sharing.js")
    assert library.shipped_sha256() == ""


def test_it_tells_a_digest_from_anything_else():
    assert library.is_sha256_hex("ab" * 32)
    for other in ("AB" * 32, "ab" * 31, "ab" * 33, "zz" * 32, None, 12, ["ab" * 32]):
        assert not library.is_sha256_hex(other), other
