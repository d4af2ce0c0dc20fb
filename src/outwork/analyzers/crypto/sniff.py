"""Cheap checks of name and head that the analyzer's ``accepts`` makes before any parsing: the
declaration imports these tables, not the parsers and policy tables they lead to."""

from __future__ import annotations

import re

#: File names read as TLS or SSH configuration whatever their content.
CONFIG_NAMES = frozenset({"sshd_config", "ssh_config", "openssl.cnf", "haproxy.cfg", "nginx.conf"})
#: Suffixes of configuration files read when their first bytes hold a TLS directive.
CONFIG_SUFFIXES = (".conf", ".cfg", ".cnf")
CONFIG_HINTS = re.compile(
    rb"(?im)^\s*(ssl_protocols|ssl_ciphers|SSLProtocol|SSLCipherSuite|MinProtocol|CipherString"
    rb"|ssl-min-ver|ssl-default-bind-|Ciphers|KexAlgorithms|MACs|HostKeyAlgorithms)\b"
)
#: File names read as OpenSSH key lists whatever their content looks like.
SSH_LIST_NAMES = frozenset({"known_hosts", "known_hosts2", "authorized_keys", "authorized_keys2"})
#: Name suffixes that say a binary file is a certificate, key or store.
DER_SUFFIXES = (".der", ".cer", ".crt", ".p12", ".pfx", ".p7b", ".p7c", ".key", ".pem", ".spc")


def is_config(name: str, head: bytes) -> bool:
    """Whether a file is TLS or SSH configuration, by name or by a directive in its head."""
    lower = name.lower()
    if lower in CONFIG_NAMES:
        return True
    return lower.endswith(CONFIG_SUFFIXES) and CONFIG_HINTS.search(head) is not None
