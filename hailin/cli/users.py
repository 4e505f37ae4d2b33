"""hailin users add|list|disable|set-role|reset-password: portal accounts on the
command line."""

import getpass
import secrets
import sys

import click

from hailin.cli.common import emit_json, fail, json_option, reports_errors, workspace

ROLES = ("patrol", "viewer", "admin")


def _django(ctx):
    ws = workspace(ctx)
    from hailin.web import bootstrap

    password = bootstrap.prepare(ws.root)
    if password:  # the very first account of this workspace: the admin is usable
        for line in bootstrap.first_admin_lines(password):  # stderr: --json stays JSON
            click.echo(line, err=True)
    return ws


def _password(name, email, password_stdin):
    """(password, made): read from standard input or made; refused past the
    portal's password validators (exit 2)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    made = not password_stdin
    password = secrets.token_urlsafe(12) if made else sys.stdin.readline().rstrip("\n")
    try:
        validate_password(password, get_user_model()(username=name, email=email or ""))
    except ValidationError as error:
        fail("the password is refused: " + " ".join(error.messages), 2)
    return password, made


def _actor():
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment
        return "cli"


def _user(name):
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username=name).first()
    if found is None:
        raise click.BadParameter(
            f"no account {name!r} (see `hailin users list`)", param_hint="NAME"
        )
    return found


@click.group("users")
def users_group():
    """Accounts of the patrol portal (hailin serve): patrol, viewer, admin."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option("--team", "teams", multiple=True, metavar="TEAM", help="Team (repeat for several).")
@click.option("--patrol-type", metavar="T", help="Default patrol type of its uploads.")
@click.option("--email", metavar="ADDRESS", help="Email address (for alerts).")
@click.option("--alerts/--no-alerts", default=False, help="Send new-case alerts by email.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else one is made).",
)
@click.pass_context
@reports_errors
def add_command(ctx, name, role, teams, patrol_type, email, alerts, password_stdin):
    """Add account NAME; prints its password when hailin made one."""
    _django(ctx)
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from hailin.web.portal.audit import record
    from hailin.web.portal.models import PATROL_TYPES
    from hailin.web.portal.roles import account_of, set_role

    users = get_user_model()
    if users.objects.filter(username=name).exists():
        raise click.BadParameter(f"there is an account {name!r} already", param_hint="NAME")
    if not name or len(name) > 150 or any(c.isspace() for c in name):
        raise click.BadParameter(
            "a user name is 1-150 characters without spaces", param_hint="NAME"
        )
    if patrol_type and patrol_type not in PATROL_TYPES:
        raise click.BadParameter(
            f"a patrol type is one of {', '.join(PATROL_TYPES)}", param_hint="--patrol-type"
        )
    if role == "patrol" and not teams:
        raise click.BadParameter("a patrol account needs its team", param_hint="--team")
    try:
        if email:
            validate_email(email)
    except ValidationError as error:
        raise click.BadParameter(" ".join(error.messages), param_hint="--email") from error
    password, made = _password(name, email, password_stdin)
    user = users.objects.create_user(name, email=email or "", password=password)
    set_role(user, role)
    account = account_of(user)
    account.teams = ", ".join(t.strip() for t in teams if t.strip())
    account.patrol_type = patrol_type or ""
    account.alert_email = alerts
    account.save()
    record("account_added", username=_actor(), account=name, role=role, teams=list(teams))
    click.echo(f"account {name} added ({role}{', team ' + account.teams if account.teams else ''})")
    if made:
        click.echo(f"  password: {password}")


@users_group.command("list")
@json_option
@click.pass_context
@reports_errors
def list_command(ctx, as_json):
    """Every account with its role, teams and whether it may log in."""
    _django(ctx)
    from django.contrib.auth import get_user_model

    from hailin.web.portal.roles import account_of, role_of

    rows = []
    for user in get_user_model().objects.order_by("username"):
        account = account_of(user)
        rows.append(
            {
                "username": user.username,
                "role": role_of(user) if user.is_active else None,
                "roles": list(user.groups.values_list("name", flat=True)),
                "active": user.is_active,
                "teams": account.team_list(),
                "patrol_type": account.patrol_type or None,
                "email": user.email or None,
                "alerts": account.alert_email,
                "last_login": user.last_login.isoformat() if user.last_login else None,
            }
        )
    if as_json:
        emit_json({"users": rows})
        return
    for row in rows:
        state = "" if row["active"] else "  (disabled)"
        teams = ", ".join(row["teams"])
        click.echo(f"{row['username']}  {','.join(row['roles']) or '-'}  {teams}{state}")


@users_group.command("disable")
@click.argument("name")
@click.pass_context
@reports_errors
def disable_command(ctx, name):
    """Stop NAME from logging in (its sessions end; nothing is deleted)."""
    _django(ctx)
    from django.contrib.sessions.models import Session

    from hailin.web.portal.audit import record

    user = _user(name)
    user.is_active = False
    user.save()
    ended = 0
    for session in Session.objects.all():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    record("account_disabled", username=_actor(), account=name)
    click.echo(f"account {name} disabled ({ended} session(s) ended)")


@users_group.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_context
@reports_errors
def set_role_command(ctx, name, role):
    """Give NAME the role ROLE (patrol, viewer or admin)."""
    _django(ctx)
    from hailin.web.portal.audit import record
    from hailin.web.portal.roles import set_role

    user = _user(name)
    set_role(user, role)
    record("role_set", username=_actor(), account=name, role=role)
    click.echo(f"account {name} is now {role}")


@users_group.command("reset-password")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from standard input (else one is made).",
)
@click.pass_context
@reports_errors
def reset_password_command(ctx, name, password_stdin):
    """Give NAME a new password (prints it when hailin made one); its sessions end."""
    _django(ctx)
    from hailin.web.portal.audit import record

    user = _user(name)
    password, made = _password(name, user.email, password_stdin)
    user.set_password(password)
    user.save()
    record("password_reset", username=_actor(), account=name)
    click.echo(f"account {name}: the password is changed; its sessions end")
    if made:
        click.echo(f"  password: {password}")
