"""``atraxion user create|list|disable`` and ``atraxion domain add|list|remove``."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from atraxion.application import users
from atraxion.bootstrap import Atraxion
from atraxion.domain.errors import Conflict, NotFound
from atraxion.domain.users import Role, parse_role


def add_parsers(commands: Any) -> None:
    user = commands.add_parser("user", help="people of the admin UI")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    create = user_commands.add_parser(
        "create", help="create a verified user; the password is the first line of standard input"
    )
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    user_commands.add_parser("list", help="list users")
    disable = user_commands.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("email")

    domain = commands.add_parser("domain", help="e-mail domains allowed to sign up")
    domain_commands = domain.add_subparsers(dest="domain_command", required=True)
    domain_commands.add_parser("add", help="allow sign-up from a domain").add_argument("domain")
    domain_commands.add_parser("list", help="list allowed domains")
    domain_commands.add_parser("remove", help="stop allowing a domain").add_argument("domain")


def read_password() -> str:
    """The first line of standard input; on a terminal, asked twice (without echo)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat it: ") != first:
            raise ValueError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


def run(args: argparse.Namespace, app: Atraxion) -> int:
    try:
        return _user(args, app) if args.command == "user" else _domain(args, app)
    except (ValueError, Conflict, NotFound) as error:
        print(f"atraxion: {error}", file=sys.stderr)
        return 1


def _user(args: argparse.Namespace, app: Atraxion) -> int:
    ctx = app.context
    if args.user_command == "create":
        user = users.create_user(ctx, app.accounts, args.email, read_password(), parse_role(args.role))
        print(f"created user {user.email} ({user.role.value})")
        return 0
    if args.user_command == "list":
        now = ctx.clock.now()
        print(f"{'EMAIL':<40} {'ROLE':<9} STATUS")
        for user in users.list_users(ctx):
            status = (
                "disabled"
                if not user.active
                else "locked"
                if user.locked(now)
                else "active"
                if user.verified
                else "unverified"
            )
            print(f"{user.email:<40} {user.role.value:<9} {status}")
        return 0
    user = users.disable_user(ctx, args.email)
    print(f"disabled user {user.email}")
    return 0


def _domain(args: argparse.Namespace, app: Atraxion) -> int:
    ctx = app.context
    if args.domain_command == "add":
        name, added = users.add_domain(ctx, args.domain)
        print(f"allowed {name}" if added else f"{name} was already allowed")
        return 0
    if args.domain_command == "list":
        for name in users.list_domains(ctx):
            print(name)
        return 0
    if users.remove_domain(ctx, args.domain):
        print(f"removed {args.domain.strip().lower()}")
        return 0
    print(f"atraxion: {args.domain.strip()} is not an allowed domain", file=sys.stderr)
    return 1
