"""The destination table: documented classes, entries that match their hosts and nothing else."""

from __future__ import annotations

import re

import pytest

from outwork.analyzers.packages import destinations


def test_every_class_is_documented() -> None:
    classes = destinations.table()
    assert len({c.name for c in classes}) == len(classes)
    for c in classes:
        assert c.summary and c.weight in destinations.WEIGHTS
        documented = [s for s in c.sources if re.search(r"https://\S+", s)]
        assert len(documented) >= 2, f"{c.name}: name at least two public sources"
        assert c.hosts or c.patterns, f"{c.name} has no entries"
        for regex, keyword in c.patterns:
            re.compile(regex)
            assert keyword == keyword.lower()


def test_a_host_belongs_to_one_class() -> None:
    seen: dict[str, str] = {}
    for c in destinations.table():
        for host in c.hosts:
            assert host not in seen, f"{host} is in {seen[host]} and {c.name}"
            seen[host] = c.name


@pytest.mark.parametrize(
    "entry",
    [(c.name, h) for c in destinations.table() for h in c.hosts],
    ids=lambda e: e[1],
)
def test_each_host_entry_classifies(entry: tuple[str, str]) -> None:
    name, host = entry
    head, _, path = host.partition("/")
    port = f"http://{head.upper()}:8080/" if not path else f"http://{head.upper()}/{path}/1"
    for url in (f"https://{host}", f"https://sub.{head}/{path}x", port):
        found = destinations.classify(url)
        assert found is not None and found.name == name, url


@pytest.mark.parametrize(
    "url",
    [
        "https://notpastebin.com/x",
        "https://pastebin.com.example.org/x",
        "https://mybit.ly.example.org/",
        "https://discord.com/api/v10/channels",  # the bot API itself is not a webhook
        "http://10.0.0.7/x",
        "http://192.168.1.1/x",
        "http://127.0.0.1:8080/x",
        "https://pypi.org/simple/",
        "https://web.application.example.org/",
        "config_file.io",
        "struct_t.ly_field",
    ],
)
def test_look_alikes_and_local_addresses_are_no_channel(url: str) -> None:
    assert not destinations.suspicious(url)
    assert not destinations.hosted(url)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://abcdefghijklmnop.onion/x", "anonymity-network"),
        ("http://198.51.100.7:8000/x", "address-literal"),
        ("https://abc.lambda-url.eu-west-1.on.aws/", "serverless-or-app-host"),
        ("https://a1.execute-api.us-east-1.amazonaws.com/prod", "serverless-or-app-host"),
        ("https://api.telegram.org/bot123:ABC/sendMessage", "messaging-webhook"),
        ("https://xyz.webhook.office.com/webhookb2/1", "messaging-webhook"),
    ],
)
def test_pattern_classes(url: str, name: str) -> None:
    found = destinations.classify(url)
    assert found is not None and found.name == name


def test_payload_shapes_stay_suspicious_whatever_the_host() -> None:
    assert destinations.suspicious("https://example.org/gate.php?id=1")
    assert destinations.suspicious("https://raw.githubusercontent.com/u/r/main/run.sh")
    assert not destinations.suspicious("https://raw.githubusercontent.com/u/r/main/README.md")
