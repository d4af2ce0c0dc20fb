"""``outwork serve`` (the HTTP API and its page) and ``outwork token`` (who may call it)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TextIO

import platformdirs

from outwork.core import config as cfg
from outwork.core.budgets import Budgets
from outwork.core.errors import UsageError
from outwork.serve.auth import SCOPES, WRITE, new_token, token_digest
from outwork.sources import DEFAULT_NPM, DEFAULT_PYPI, RegistryOptions
from outwork.store import RESULTS_FILENAME

DEFAULT_PORT = 8400


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    """``outwork serve``'s arguments (its one-line help is in ``outwork.cli.main.COMMANDS``)."""
    serve.description = (
        "Serve outwork's HTTP API (OpenAPI at /openapi.json) and a page over it at"
        " /. Callers need a token from `outwork token create`."
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    _store_argument(serve)
    serve.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="allow submitting files and folders under DIR (none: only registry references"
        " and uploads)",
    )
    serve.add_argument(
        "--scratch", type=Path, metavar="DIR", help="where uploads wait for their scan"
    )
    serve.add_argument(
        "--max-upload", type=int, default=64, metavar="MB", help="largest upload (64 MB)"
    )
    serve.add_argument(
        "--rate", type=int, default=120, metavar="N", help="requests a minute per caller (120)"
    )
    serve.add_argument("--burst", type=int, default=30, metavar="N", help="requests at once (30)")
    serve.add_argument("--concurrency", type=int, default=1, metavar="N", help="scans at once (1)")
    serve.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes per scan")
    serve.add_argument("--ray", metavar="ADDRESS", help="analyse on a Ray cluster (see scan)")
    serve.add_argument(
        "--anonymous-read", action="store_true", help="let callers without a token read results"
    )
    serve.add_argument(
        "--config", type=Path, metavar="FILE", help="take the scans' budgets from FILE"
    )
    serve.add_argument("--cache-dir", type=Path, metavar="DIR", help="scan cache directory")
    serve.add_argument("--no-cache", action="store_true", help="no scan cache")
    serve.add_argument(
        "--openapi", action="store_true", help="print the API's OpenAPI document and exit"
    )
    serve.add_argument("--index-url", metavar="URL", help="PyPI JSON API base for pypi: targets")
    serve.add_argument("--npm-registry", metavar="URL", help="npm registry base for npm: targets")


def add_token_arguments(token: argparse.ArgumentParser) -> None:
    """``outwork token``'s arguments (its one-line help is in ``outwork.cli.main.COMMANDS``)."""
    actions = token.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a token (printed once, stored hashed)")
    create.add_argument("name", help="who the token is for (letters, digits, ._-)")
    create.add_argument("--scope", choices=SCOPES, default=WRITE, help="write includes read")
    _store_argument(create)
    listing = actions.add_parser("list", help="the tokens, never their secrets")
    _store_argument(listing)
    revoke = actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    _store_argument(revoke)


def _store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="results store: a file, sqlite:///PATH or postgresql://... (default: $OUTWORK_STORE"
        " or results.sqlite3 in the data directory)",
    )


def _location(args: argparse.Namespace, data_dir: Path) -> str:
    return str(args.store or os.environ.get("OUTWORK_STORE") or data_dir / RESULTS_FILENAME)


def run_token(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    # The results store (and its database drivers): imported by the commands that open it, so
    # that `outwork scan` starts without it (docs/benchmarks.md, issue 21).
    from outwork.store import results

    with results.open_store(_location(args, data_dir)) as store:
        if args.action == "create":
            if not results.TOKEN_NAME.match(args.name):
                raise UsageError("a token's name: letters, digits and ._- (at most 64)")
            token = new_token()
            store.add_token(args.name, token_digest(token), args.scope)
            out.write(token + "\n")
            err.write(
                f"outwork: token {args.name!r} ({args.scope}) created; it is shown only now\n"
            )
        elif args.action == "list":
            for record in store.tokens():
                state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
                out.write(f"{record.name}\t{record.scope}\t{record.created_at:%Y-%m-%d}\t{state}\n")
        elif not store.revoke_token(args.name):
            raise UsageError(f"no active token {args.name!r}; see `outwork token list`")
        else:
            err.write(f"outwork: token {args.name!r} revoked\n")
    return 0


def run_serve(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    try:  # the serve extra: imported by this command only
        import uvicorn

        from outwork.serve.app import Limits, create_app, openapi_document
        from outwork.serve.runner import ScanService, ServiceOptions
        from outwork.store import results
    except ImportError as exc:
        raise UsageError(
            f"outwork serve needs FastAPI and uvicorn ({exc}); install outwork's serve extra:"
            " pip install 'outwork[serve]'"
        ) from None
    if args.openapi:
        out.write(json.dumps(openapi_document(), indent=2) + "\n")
        return 0
    for name in ("max_upload", "rate", "burst", "concurrency"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.root is not None and not args.root.is_dir():
        raise UsageError(f"--root {args.root}: not a folder")
    budgets = cfg.budgets_from(cfg.load(args.config).budgets) if args.config else None
    cache_dir = None
    if not args.no_cache:
        cache_dir = args.cache_dir or Path(platformdirs.user_cache_dir("outwork", appauthor=False))
    registry = None
    if args.index_url or args.npm_registry:
        registry = RegistryOptions(
            pypi_url=args.index_url or DEFAULT_PYPI, npm_url=args.npm_registry or DEFAULT_NPM
        )
    options = ServiceOptions(
        root=args.root,
        scratch=args.scratch or data_dir / "scratch",
        cache_dir=str(cache_dir) if cache_dir else None,
        jobs=args.jobs,
        ray=args.ray,
        registry=registry,
        concurrency=args.concurrency,
        budgets=budgets or Budgets(),
    )
    limits = Limits(
        max_upload_bytes=args.max_upload * 1024 * 1024, per_minute=args.rate, burst=args.burst
    )
    with results.open_store(_location(args, data_dir)) as store:
        service = ScanService(store, options)
        try:
            resumed = service.resume()
            if resumed:
                err.write(f"outwork serve: {resumed} scan(s) left by a stopped server run again\n")
            app = create_app(store, service, limits=limits, anonymous_read=args.anonymous_read)
            err.write(f"outwork serve: http://{args.host}:{args.port}/ (API under /v1)\n")
            err.flush()
            uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
        finally:
            service.close()
    return 0
