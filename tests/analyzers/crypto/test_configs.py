"""TLS and SSH configuration: what a directive allows, not what it removes."""

from __future__ import annotations

from outwork.analyzers.crypto.configs import read_config
from outwork.analyzers.crypto.sniff import is_config


def labels(name: str, text: str) -> list[tuple[int | None, str]]:
    return [(a.line, a.label) for a in read_config(name, text)]


def test_sshd_lists_and_removals() -> None:
    text = (
        "Ciphers -arcfour,3des-cbc\n"
        "KexAlgorithms +diffie-hellman-group1-sha1\n"
        "MACs hmac-md5 # legacy\n"
        "Protocol 2,1\n"
    )
    assert labels("sshd_config", text) == [
        (2, "DH-1024 with SHA-1"),
        (3, "HMAC with MD5"),
        (4, "SSHv1"),
    ]


def test_pq_hybrid_key_exchange_is_recorded() -> None:
    (asset,) = read_config("sshd_config", "KexAlgorithms sntrup761x25519-sha512@openssh.com\n")
    assert asset.algorithm == "sntrup761x25519"


def test_cipher_strings_count_only_what_they_enable() -> None:
    assert labels("nginx.conf", "ssl_ciphers HIGH:!RC4:!MD5:!3DES;\n") == []
    assert [label for _, label in labels("x.conf", "ssl_ciphers RC4-SHA:+3DES;\n")] == [
        "RC4",
        "3DES-CBC",
    ]


def test_config_files_are_recognised_by_name_or_directive() -> None:
    assert is_config("sshd_config", b"")
    assert is_config("site.conf", b"server {\n  ssl_protocols TLSv1.2;\n}\n")
    assert not is_config("setup.cfg", b"[metadata]\nname = x\n")
