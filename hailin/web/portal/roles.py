"""Roles as Django groups: patrol (upload, own team's uploads and rejects),
viewer (maps, ledger, progress, uploads), admin (everything, accounts,
withdrawals). A user is in exactly one of the three groups."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from hailin.errors import RoleError
from hailin.web.portal.models import ROLES, Account

# What each role may do: the one table the pages and the API consult.
CAN = {
    "upload": {"patrol", "admin"},
    "uploads": {"patrol", "viewer", "admin"},
    "maps": {"patrol", "viewer", "admin"},
    "ledger": {"viewer", "admin"},
    "progress": {"viewer", "admin"},
    "photos": {"patrol", "viewer", "admin"},
    "withdraw": {"admin"},
    "manage": {"admin"},
}


def ensure_groups():
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def role_of(user):
    """'patrol', 'viewer', 'admin' or None (no role yet, or not logged in)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_hailin_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in reversed(ROLES) if r in names), None)
    user._hailin_role = role
    return role


def allowed(user, what):
    return role_of(user) in CAN[what]


def require(request, what):
    """Raise PermissionDenied (a 403 page or JSON) unless the user may ``what``."""
    if not allowed(request.user, what):
        raise PermissionDenied(what)


def account_of(user):
    account, _created = Account.objects.get_or_create(user=user)
    return account


def visible_teams(user):
    """None when the user sees every team's uploads, else the teams it sees."""
    if role_of(user) in ("viewer", "admin"):
        return None
    return account_of(user).team_list()


def map_teams(user):
    """The teams whose notes ``user`` reads on the maps: None for every team
    (viewers, admins, and everyone when HAILIN_PATROL_MAPS_REDACTED is off)."""
    from django.conf import settings

    if not settings.PATROL_MAPS_REDACTED or role_of(user) != "patrol":
        return None
    return tuple(sorted(account_of(user).team_list()))


def patrol_team_sets():
    """The team sets of the active patrol accounts (each gets its own maps)."""
    from django.conf import settings

    if not settings.PATROL_MAPS_REDACTED:
        return []
    accounts = Account.objects.filter(user__is_active=True, user__groups__name="patrol")
    return sorted({tuple(sorted(a.team_list())) for a in accounts})


@transaction.atomic
def set_role(user, role):
    """Put ``user`` in group ``role`` alone; admins are staff and superusers."""
    if role not in ROLES:
        raise RoleError(f"role should be one of {', '.join(ROLES)}, got {role!r}")
    ensure_groups()
    user.groups.set([Group.objects.get(name=role)])
    user.is_staff = user.is_superuser = role == "admin"
    user.save()
    user._hailin_role = role
    account_of(user)


def context(request):
    """Template context: the role and what it may do (for the navigation)."""
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    return {"role": role, "can": {what: role in roles for what, roles in CAN.items()}}
