"""The audit log: logins (and failed ones), uploads, withdrawals, account changes."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from hailin.web.portal.addresses import client_address
from hailin.web.portal.models import AuditEvent

logger = logging.getLogger("hailin.web")
_MAX_TEXT = 300


def record(action, *, user=None, username=None, request=None, address=None, **detail):
    """Add one line to the audit log (never fails the action it records); the
    client's ``address`` is the request's unless given (work done off the request)."""
    try:
        AuditEvent.objects.create(
            user=user if getattr(user, "pk", None) else None,
            username=(username or (user.get_username() if getattr(user, "pk", None) else ""))[:150],
            action=action,
            address=client_address(request) if address is None else address[:64],
            detail=detail,
        )
    except Exception:  # the audit log must not take the portal down with it
        logger.exception("audit log: could not record %s", action)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record("login", user=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("logout", user=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    name = str((credentials or {}).get("username", ""))[:_MAX_TEXT]
    record("login_failed", username=name, request=request)
