"""A relative path into the package's own tree is no credential store (``stores``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.packages.stores import OwnTree, credential_store, on_disk, plain_relative

TREE = OwnTree(
    [
        "demo-1.0/setup.py",
        "demo-1.0/discord/__init__.py",
        "demo-1.0/Bitcoin/rpc.json",
        "demo-1.0/electrum/data/servers.json",
        "demo-1.0/.ssh/known_hosts",
    ]
)


def _own(path: str) -> bool:
    relative = plain_relative(path)
    return relative is not None and TREE.reader("demo-1.0/setup.py")(relative)


@pytest.mark.parametrize(
    "path",
    [
        "discord/__init__.py",
        "./discord/__init__.py",
        "discord",
        "discord/",
        "Bitcoin/rpc.json",
        "electrum/data/servers.json",
        ".ssh/known_hosts",
    ],
)
def test_own_members_are_no_store(path: str) -> None:
    assert credential_store(path, _own) is None


@pytest.mark.parametrize(
    "path",
    [
        "%APPDATA%/discord/Local Storage/leveldb",
        "~/.config/discord",
        "~/.config/discordcanary/",
        "/home/u/.config/discord/x.json",
        "C:\\Users\\u\\AppData\\Roaming\\discord\\Local State",
        "discord/Local Storage/leveldb",  # the store's own parts, relative or not
        "discord/settings.json",  # no member of the package
        "discord/../../.config/discord/",  # leaves the tree
        "Bitcoin/wallet.dat",
        "electrum/data/default_wallet",
        ".ssh/id_rsa",
        "tdata/key_datas",
    ],
)
def test_stores_stay(path: str) -> None:
    assert credential_store(path, _own) is not None


def test_a_relative_path_names_members_from_any_folder_above_the_module() -> None:
    reader = TREE.reader("demo-1.0/discord/__init__.py")
    assert reader("discord/__init__.py")  # from the archive's root, where an install runs
    assert reader("__init__.py")
    assert not reader("discord/other.py")


def test_on_disk_names_files_beside_a_loose_file(tmp_path: Path) -> None:
    (tmp_path / "discord").mkdir()
    (tmp_path / "discord" / "__init__.py").write_text("")
    names = on_disk(str(tmp_path / "setup.py"))
    assert names("discord/__init__.py")
    assert not names("discord/settings.json")
