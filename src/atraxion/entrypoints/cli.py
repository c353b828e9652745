"""The ``atraxion`` command: serve, worker, db upgrade, token create|list|revoke, consumer
list|show|refeed|remove, user create|list|disable, domain add|list|remove, prune, odoo check|pull, odoo-sim."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError

from atraxion.adapters.secret_box import SecretKeyError
from atraxion.adapters.sqlalchemy.collation import UnsupportedCollation
from atraxion.adapters.sqlalchemy.engine import DatabaseUrlError, masked_url
from atraxion.application import tokens
from atraxion.application.context import Context
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import DEFAULT_CONSUMER, Scope, parse_expiry, parse_scopes
from atraxion.entrypoints import consumer_cli, logs, odoo_cli, prune_cli, user_cli
from atraxion.ports.unit_of_work import AdminUnitOfWork


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atraxion", description="Odoo ⇄ webshop sync middleware")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database and run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    levels = ["critical", "error", "warning", "info", "debug", "trace"]
    serve.add_argument("--log-level", default="info", choices=levels)
    commands.add_parser("worker", help="run a Dramatiq worker and the outbox sweeper (redis:// or amqp:// broker)")

    db = commands.add_parser("db", help="database schema")
    db.add_subparsers(dest="db_command", required=True).add_parser("upgrade", help="apply migrations")

    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="create a token; it is printed once, as the last line")
    create.add_argument("name")
    create.add_argument("--scope", action="append", required=True, choices=[s.value for s in Scope])
    create.add_argument("--consumer", default=DEFAULT_CONSUMER)
    create.add_argument("--expires-at", type=_timestamp, default=None, help="ISO 8601, e.g. 2027-01-01T00:00:00Z")
    token_commands.add_parser("list", help="list tokens (never their secrets)")
    revoke = token_commands.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id", type=int)

    consumer_cli.add_parser(commands)
    prune_cli.add_parser(commands)
    commands.add_parser("odoo-sim", help="run the bundled Odoo simulator (atraxion odoo-sim --help)")
    odoo_cli.add_parser(commands)
    user_cli.add_parsers(commands)
    return parser


def _timestamp(text: str) -> datetime:
    try:
        return parse_expiry(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except (
        UnsupportedCollation,
        DatabaseUrlError,
        SecretKeyError,
    ) as error:  # one line saying what to fix, no traceback
        print(f"atraxion: {error}", file=sys.stderr)
        return 2
    except (OperationalError, InterfaceError) as error:  # the database does not answer or refuses us
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
        url = masked_url(Settings.from_env().database_url)
        print(f"atraxion: cannot use the database at {url}: {reason} (check ATRAXION_DATABASE_URL)", file=sys.stderr)
        return 2


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["odoo-sim"]:  # the simulator parses its own options (argparse can't pass `--port` through)
        from atraxion.testing.odoo_sim import main as simulator_main

        return int(simulator_main(argv[1:]))
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        # The odoo commands' answer is their output; log lines would only blur it.
        level = logging.WARNING if args.command == "odoo" else getattr(args, "log_level", "info")
        logs.configure(settings.log_format, level)
    except ValueError as error:  # a bad setting: one line naming it, no traceback
        print(f"atraxion: {error}", file=sys.stderr)
        return 1
    if args.command == "odoo":
        return odoo_cli.run(args, settings)
    if args.command == "serve":
        from atraxion.entrypoints.serve import serve

        return serve(settings, args.host, args.port, args.log_level)
    if args.command == "prune":
        return prune_cli.run(args, settings)
    if args.command == "worker":
        from atraxion.entrypoints.worker import run_worker

        return run_worker(settings)
    if args.command == "db":
        return _db_upgrade(settings)
    app = bootstrap(settings, migrate=True)
    try:
        if args.command in ("user", "domain"):
            return user_cli.run(args, app)
        if args.command == "consumer":
            return consumer_cli.run(args, app.context)
        return _token_command(args, app.context)
    finally:
        app.close()


def _db_upgrade(settings: Settings) -> int:
    """``atraxion db upgrade``: says what it did — created the schema, upgraded it, or nothing to do."""
    url = masked_url(settings.database_url)
    if settings.database_url == "memory://":
        print("memory:// keeps no schema: nothing to upgrade")
        return 0
    from atraxion.adapters.sqlalchemy.collation import refuse_unless_binary_keys
    from atraxion.adapters.sqlalchemy.engine import create_engine_from_url
    from atraxion.adapters.sqlalchemy.migrate import upgrade

    engine = create_engine_from_url(settings.database_url)
    try:
        before, after = upgrade(engine)
        refuse_unless_binary_keys(engine)
    finally:
        engine.dispose()
    if before is None:
        print(f"created the schema of {url} at revision {after}")
    elif before != after:
        print(f"upgraded {url} from revision {before} to {after}")
    else:
        print(f"{url} is already up to date (revision {after})")
    return 0


def _token_command(args: argparse.Namespace, context: Context[AdminUnitOfWork]) -> int:
    if args.token_command == "create":
        token, secret = tokens.create_token(
            context, args.name, parse_scopes(args.scope), args.consumer, args.expires_at
        )
        scopes = " ".join(sorted(s.value for s in token.scopes))
        print(f"created token {token.id} {token.name!r} for consumer {token.consumer!r} with scopes {scopes}")
        print("store it now: it is shown once and cannot be recovered")
        print(secret)
        return 0
    if args.token_command == "list":
        now = context.clock.now()
        print(f"{'ID':>4}  {'NAME':<20} {'CONSUMER':<12} {'STATUS':<8} SCOPES")
        for token in tokens.list_tokens(context):
            status = "active" if token.is_active(now) else ("revoked" if token.revoked_at else "expired")
            scopes = ",".join(sorted(s.value for s in token.scopes))
            print(f"{token.id:>4}  {token.name:<20} {token.consumer:<12} {status:<8} {scopes}")
        return 0
    if tokens.revoke_token(context, args.id):
        print(f"revoked token {args.id}")
        return 0
    print(f"no active token with id {args.id}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
