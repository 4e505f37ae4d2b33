"""hailin demo [DIR]"""

import os
import time

import click

from hailin.cli.common import reports_errors


@click.command("demo")
@click.argument("directory", default="hailin-demo", type=click.Path(file_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--force", is_flag=True, help="Rebuild the demo in a folder that already holds one.")
@reports_errors
def demo_command(directory, lang, force):
    """Build a demo workspace in DIRECTORY from the bundled data and write its maps."""
    from hailin.demo import build_demo

    started = time.perf_counter()
    ws, outputs = build_demo(directory, lang=lang, force=force)
    click.echo(f"demo workspace: {ws.root}")
    for label, value in outputs.items():
        shown = os.path.relpath(value) if os.path.exists(str(value)) else value
        click.echo(f"  {label}: {shown}")
    click.echo(f"done in {time.perf_counter() - started:.2f} s")
