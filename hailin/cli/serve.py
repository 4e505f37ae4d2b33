"""hailin serve: the patrol portal under gunicorn, with its background worker."""

import os
import signal
import subprocess
import sys
import time

import click

from hailin.cli.common import fail, reports_errors, workspace

EXIT_SERVER = 1


def _missing_web_extra():
    try:
        import django  # noqa: F401
        import gunicorn  # noqa: F401
    except ImportError:
        return True
    return False


def default_workers():
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8600, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="gunicorn worker processes (default: twice the cores, 2 to 8).",
)
@click.pass_context
@reports_errors
def serve_command(ctx, host, port, workers):
    """The patrol portal: upload from a phone, maps, ledger, progress, alerts.

    Runs gunicorn with several workers, one background worker (alert
    delivery, maps drawn again after imports) and one importer (the queued
    uploads) on the workspace. The first
    start creates an admin account and prints its password once.
    """
    if _missing_web_extra():
        fail("the portal needs the web extra: pip install 'hailin[web]'", 2)
    ws = workspace(ctx)
    from hailin.web import bootstrap

    password = bootstrap.prepare(ws.root, host=host, port=port)
    env = bootstrap.environment(ws.root, host=host, port=port)
    bootstrap.clean_tmp(ws.root)  # what a killed server was receiving
    from hailin.web.portal.jobs import sweep

    sweep()
    url = env["HAILIN_PORTAL_URL"]
    if password:
        for line in bootstrap.first_admin_lines(password, url):
            click.echo(line)
    if host in ("0.0.0.0", "::"):
        click.echo(
            f"answering for the host names {env['HAILIN_ALLOWED_HOSTS']} "
            "(set HAILIN_ALLOWED_HOSTS to change them)",
            err=True,
        )
    logs = os.path.join(ws.root, "logs")
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    server = [
        sys.executable, "-m", "gunicorn", "hailin.web.wsgi:application",
        "--bind", bind, "--workers", str(workers or default_workers()),
        # Threads: a page reader is answered while other threads wait for an import.
        "--worker-class", "gthread", "--threads", "4",
        "--timeout", "180", "--graceful-timeout", "20", "--max-requests", "2000",
        # Idle connections stay open longer than a client or a reverse proxy (60 s)
        # keeps them: a request sent as the server closes its connection gets no answer.
        "--keep-alive", "75",
        "--max-requests-jitter", "200", "--access-logfile", os.path.join(logs, "portal-access.log"),
        "--error-logfile", os.path.join(logs, "portal-server.log"), "--capture-output",
        "--forwarded-allow-ips", env.get("HAILIN_TRUSTED_PROXIES") or "127.0.0.1",
        "--config", "python:hailin.web.gunicorn_conf",
    ]  # fmt: skip
    helpers = [
        [sys.executable, "-m", "hailin.web.worker"],
        [sys.executable, "-m", "hailin.web.importer"],
    ]
    children = [subprocess.Popen(server, env=env)]
    children += [subprocess.Popen(helper, env=env) for helper in helpers]
    click.echo(f"hailin portal: {url}/ (workspace {ws.root}); Ctrl-C stops it", err=True)
    stopping = []

    def stop(*_args):
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        while not stopping:
            if children[0].poll() is not None:
                code = children[0].returncode or EXIT_SERVER
                click.echo(
                    f"hailin: the web server stopped (see {logs}/portal-server.log)", err=True
                )
                break
            for number, helper in enumerate(helpers, start=1):
                if children[number].poll() is not None:  # the worker, the importer: again
                    time.sleep(1)
                    children[number] = subprocess.Popen(helper, env=env)
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    ctx.exit(code)
