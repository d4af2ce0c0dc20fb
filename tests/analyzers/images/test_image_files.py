"""Files of an image read by every layer: what is ordinary stays quiet, its malicious twin
does not."""

from __future__ import annotations

import gzip
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
