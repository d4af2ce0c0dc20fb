"""The service's tokens in the results store, on SQLite and on PostgreSQL (started on loopback
by the tests), and the API over a PostgreSQL store."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from outwork.core.errors import ConfigError
from outwork.store.results import ResultStore, open_store
from tests import services
from tests.serve.helpers import EVIL, service

from outwork.serve.auth import new_token, token_digest  # isort: skip  # after the extra's check

_numbers = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "results.sqlite3")
    server = request.getfixturevalue("postgres_server_url")
    return services.fresh_database(server, f"serve_{next(_numbers)}")


@pytest.fixture
def store(location: str) -> Iterator[ResultStore]:
    with open_store(location) as opened:
        yield opened


def test_tokens_are_found_by_digest_until_revoked(store: ResultStore) -> None:
    token = new_token()
    store.add_token("ci", token_digest(token), "write")
    found = store.token(token_digest(token))
    assert found is not None and (found.name, found.scope) == ("ci", "write")
    assert store.token(token_digest(new_token())) is None
    with pytest.raises(ConfigError, match="exists"):
        store.add_token("ci", token_digest(new_token()), "read")
    assert [t.name for t in store.tokens()] == ["ci"]
    assert store.revoke_token("ci") and not store.revoke_token("ci")
    assert store.token(token_digest(token)) is None
    assert store.tokens()[0].revoked_at is not None


def test_the_api_over_the_store(location: str, tmp_path: Path) -> None:
    with service(tmp_path, store_at=location) as svc:
        response = svc.client.post(
            "/v1/uploads?filename=demo-1.0.tar.gz", content=EVIL, headers=svc.auth()
        )
        assert response.status_code == 202, response.text
        scan = svc.wait(response.json()["id"])
        assert scan["verdict"] == "critical"
        found = svc.client.get(f"/v1/findings?scan_id={scan['id']}", headers=svc.auth(svc.read))
        assert "PKG001" in {f["rule"] for f in found.json()}
