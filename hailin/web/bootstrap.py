"""Getting a workspace ready for the portal: its folder, secret key, database
(migrated), role groups, and on the very first start an admin account."""

import os
import secrets

WEB_FOLDER = "web"
FIRST_ADMIN = "admin"


def web_dir(root):
    return os.path.join(os.path.abspath(root), WEB_FOLDER)


def environment(root, *, host="127.0.0.1", port=8600):
    """The environment the portal's processes run with (on top of this one's)."""
    env = dict(os.environ)
    env["HAILIN_WORKSPACE"] = os.path.abspath(root)
    env["DJANGO_SETTINGS_MODULE"] = "hailin.web.settings"
    shown = f"[{host}]" if ":" in host else host
    if not env.get("HAILIN_PORTAL_URL"):
        env["HAILIN_PORTAL_URL"] = f"http://{shown}:{port}"
    if not env.get("HAILIN_ALLOWED_HOSTS"):
        hosts = {"127.0.0.1", "localhost", "[::1]", shown if host not in ("0.0.0.0", "::") else "*"}
        env["HAILIN_ALLOWED_HOSTS"] = ",".join(sorted(hosts))
    return env


def _secret_key(folder):
    path = os.path.join(folder, "secret_key")
    if not os.path.exists(path):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(50))


def prepare(root, *, host="127.0.0.1", port=8600):
    """Make the workspace's web/ folder, secret key and database, and set up
    Django in this process. Returns the first admin's password when this
    call created that account (the very first start), else None."""
    folder = web_dir(root)
    for sub in ("", "tmp", "maps"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    os.makedirs(os.path.join(os.path.abspath(root), "logs"), exist_ok=True)
    _secret_key(folder)
    os.environ.update(environment(root, host=host, port=port))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model

    from hailin.web.portal.audit import record
    from hailin.web.portal.roles import ensure_groups, set_role

    ensure_groups()
    users = get_user_model()
    if users.objects.exists():
        return None
    password = secrets.token_urlsafe(12)
    admin = users.objects.create_user(FIRST_ADMIN, password=password)
    set_role(admin, "admin")
    record("account_added", username="hailin serve", account=FIRST_ADMIN, role="admin")
    return password
