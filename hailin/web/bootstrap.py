"""Getting a workspace ready for the portal: its folder, secret key, database
(migrated), role groups, and on the very first start an admin account."""

import os
import secrets
import shutil
import socket

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
        hosts = {"127.0.0.1", "localhost", "[::1]"}
        hosts |= machine_names() if host in ("0.0.0.0", "::") else {shown}
        env["HAILIN_ALLOWED_HOSTS"] = ",".join(sorted(hosts))
    return env


def machine_names():
    """This machine's names and addresses: what phones on its network may call it
    (the allowed hosts when the portal listens on every address)."""
    names = {socket.gethostname(), socket.getfqdn()}
    found = set()
    for name in names:
        try:
            found |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
        except OSError:
            continue
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # the address of the outgoing interface (a UDP connect sends nothing)
            probe.connect(("192.0.2.1", 9))
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    shown = {f"[{a}]" if ":" in a else a for a in found if not a.startswith("127.")}
    return {n for n in names if n} | {a for a in shown if a not in ("[::1]", "0.0.0.0")}


def _secret_key(folder):
    path = os.path.join(folder, "secret_key")
    if not os.path.exists(path):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(50))


def first_admin_lines(password, url=None):
    """What the first start says of the admin account it made (its password, once)."""
    lines = [
        "first start: an admin account was created (this password is shown only now)",
        f"  user name: {FIRST_ADMIN}",
        f"  password:  {password}",
    ]
    if url:
        lines.append(f"  log in at {url}/accounts/login/ and add accounts: hailin users add NAME …")
    return lines


def clean_tmp(root):
    """Empty web/tmp (the request bodies of a server that was killed); at start only."""
    folder = os.path.join(web_dir(root), "tmp")
    for entry in os.scandir(folder) if os.path.isdir(folder) else ():
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)


def prepare(root, *, host="127.0.0.1", port=8600):
    """Make the workspace's web/ folder, secret key and database, and set up
    Django in this process. Returns the first admin's password when this
    call created that account (the very first start), else None."""
    folder = web_dir(root)
    for sub in ("", "tmp", "maps", "jobs"):
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
