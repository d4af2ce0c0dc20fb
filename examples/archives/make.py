"""Rebuild traversal.zip: one member whose name climbs out of the extraction folder."""

import zipfile
from pathlib import Path

here = Path(__file__).parent
with zipfile.ZipFile(here / "traversal.zip", "w") as zf:
    zf.writestr("docs/readme.txt", "an ordinary member\n")
    zf.writestr("../../outwork-example.txt", "a harmless payload that a naive unzip writes two levels up\n")
