"""Benchmark: the hostile corpus, every case as a user would run it.

Each case (the generated corpus of ``tests/hostile.py`` and the committed bad
files of ``tests/data/bad``) is imported with the CLI in a child process of its
own, in a fresh workspace, so that its wall time and peak memory are its own;
then ``flag``, ``progress``, ``ledger -o`` and ``map overview`` run on that
workspace. A case counts as

- a **clear refusal** when the import exits 4 with a message and no traceback;
- a **partial import** when it exits 3 (the good rows stored, the bad rejected);
- a **traceback** when any command prints one ("Traceback (most recent call last)");
- an **execution** when a payload's marker file appears (uploaded text ran as code);
- a **broken store** when a reporting command fails afterwards.

Run: python -m bench.bench_hostile [OUT.json]
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
BAD = ROOT / "tests" / "data" / "bad"
TRACEBACK = "Traceback (most recent call last)"
COMMANDS = {
    "import": ["import"],
    "plots clearance": ["plots", "import", "--kind", "clearance"],
    "plots restoration": ["plots", "import", "--kind", "restoration"],
    "sites": ["sites", "import"],
    "area": ["area"],
}


def _run(arguments, timeout=600):
    """(exit code, stdout, stderr, seconds, peak RSS MiB) of one hailin command in a
    child process of its own (so the peak memory is that command's)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "hailin", *arguments], stdout=out, stderr=err, cwd=ROOT
        )
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        watchdog.cancel()
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return (
            os.waitstatus_to_exitcode(status),
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            elapsed,
            usage.ru_maxrss / 1024,
        )


def run_case(name, command, args, path, template, folder):
    workspace = folder / "ws"
    shutil.copytree(template, workspace)
    arguments = ["-w", str(workspace), *COMMANDS[command], *args, os.fsdecode(path)]
    if command != "sites":
        arguments.append("--json")
    code, stdout, stderr, seconds, peak = _run(arguments)
    result = {
        "case": name,
        "command": command,
        "exit": code,
        "seconds": round(seconds, 2),
        "peak_mib": round(peak),
        "traceback": TRACEBACK in stdout + stderr,
        "message": "",
        "status": None,
    }
    if command not in ("sites",) and stdout.strip().startswith("{"):
        summary = json.loads(stdout)
        result["status"] = summary.get("status")
        result["accepted"] = summary.get("rows_accepted")
        result["rejected"] = summary.get("rows_rejected")
        errors = summary.get("errors") or []
        result["message"] = errors[0]["message"] if errors else ""
    elif code:
        result["message"] = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    broken = []
    for follow in (
        ["flag"],
        ["progress", "--json"],
        ["ledger", "-o", str(folder / "ledger.csv")],
        ["map", "overview", "-o", str(folder / "overview.html")],
    ):
        follow_code, out, err, _seconds, _peak = _run(["-w", str(workspace), *follow])
        if follow_code != 0 or TRACEBACK in out + err:
            broken.append(follow[0])
        result["traceback"] = result["traceback"] or TRACEBACK in out + err
    result["broken_commands"] = broken
    return result


def main(output=None):
    with tempfile.TemporaryDirectory(prefix="hailin-hostile-") as tmp:
        tmp = pathlib.Path(tmp)
        files = tmp / "files"
        # The corpus is written by a child process: this one stays small, so that the
        # peak memory Linux reports for each command's process is that command's own.
        subprocess.run([sys.executable, "-m", "tests.hostile", str(files)], check=True, cwd=ROOT)
        manifest = json.loads((files / "manifest.json").read_text())
        cases = [
            (c["name"], c["command"], c["args"], os.fsdecode(bytes.fromhex(c["path"])))
            for c in manifest
        ]
        cases += [(p.name, "import", (), p) for p in sorted(BAD.iterdir())]
        template = tmp / "template"
        subprocess.run(
            [sys.executable, "-m", "hailin", "init", str(template)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        results = []
        for number, (name, command, args, path) in enumerate(cases):
            folder = tmp / f"case-{number:03d}"
            folder.mkdir()
            results.append(run_case(name, command, args, path, template, folder))
            shutil.rmtree(folder)
            print(
                f"{number + 1:>3}/{len(cases)} {name[:40]:<40} exit {results[-1]['exit']} "
                f"{results[-1]['seconds']:>6.2f} s {results[-1]['peak_mib']:>5} MiB"
                + (" TRACEBACK" if results[-1]["traceback"] else "")
                + (
                    f" broken: {results[-1]['broken_commands']}"
                    if results[-1]["broken_commands"]
                    else ""
                ),
                flush=True,
            )
        executions = int((files / "HAILIN_PWNED").exists())
    slowest = max(results, key=lambda r: r["seconds"])
    hungriest = max(results, key=lambda r: r["peak_mib"])
    table = {
        "cases": len(results),
        "clear_refusals": sum(r["exit"] == 4 and not r["traceback"] for r in results),
        "partial_imports": sum(r["exit"] == 3 for r in results),
        "accepted": sum(r["exit"] == 0 for r in results),
        "other_exits": sum(r["exit"] not in (0, 3, 4) for r in results),
        "tracebacks": sum(r["traceback"] for r in results),
        "executions": executions,
        "broken_stores": sum(bool(r["broken_commands"]) for r in results),
        "slowest": f"{slowest['case']} {slowest['seconds']} s",
        "peak_memory": f"{hungriest['case']} {hungriest['peak_mib']} MiB",
        "median_seconds": statistics.median(r["seconds"] for r in results),
    }
    print(json.dumps(table, ensure_ascii=False, indent=2))
    if output:
        pathlib.Path(output).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(output).write_text(
            json.dumps({"table": table, "cases": results}, ensure_ascii=False, indent=2)
        )
    return table


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
