"""Refusal times and memory of the bounds of issues 21 (13-17) and 26 (6), at the
sizes the hostile rounds used: each file built in a temporary folder, each
command run as a user would (``python -m hailin``), its wall time, processor
time and peak memory taken from the child's own resource usage.

A small good import in the same run is the baseline the figures are read against.

    python -m bench.bench_bounds
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

from tests.hostile import INSIDE, csv_bytes, good_row

X, Y = INSIDE[0]


# A small wrapper runs the command: its child's peak memory is the command's own
# (a child forked straight from this process would count the files built here).
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([time.monotonic() - started, usage.ru_utime + usage.ru_stime,
                  usage.ru_maxrss / 1024, result.returncode, result.stderr]))
"""


def _run(workspace, *arguments):
    command = [sys.executable, "-m", "hailin", "-w", str(workspace), *arguments]
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    wall, cpu, rss, code, stderr = json.loads(measured.stdout)
    return wall, cpu, rss, code, stderr.strip().splitlines()


def _cases(folder):
    from tests.hostile3 import _inline_row
    from tests.test_reader_bounds import _geopackage, _registered_view, _workbook

    kml = folder / "line_5M.kml"
    with open(kml, "w") as handle:
        handle.write('<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>复萌</name>')
        handle.write("<LineString><coordinates>")
        handle.write(" ".join(f"{X + i * 1e-8:.8f},{Y},0" for i in range(5_000_000)))
        handle.write("</coordinates></LineString></Placemark></kml>")
    gpx_note = folder / "note_100MB.gpx"
    gpx_note.write_bytes(
        b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        + f'<wpt lat="{Y}" lon="{X}"><name>复萌</name><desc>'.encode()
        + b"x" * 100_000_000
        + b"</desc></wpt></gpx>"
    )
    track = folder / "track_990k.gpx"
    points = "".join(f'<trkpt lat="{Y}" lon="{X + i * 1e-7:.7f}"/>' for i in range(990_000))
    track.write_text(
        f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{points}'
        "</trkseg></trk></gpx>"
    )
    rows = "".join(_inline_row(n, good_row(n)) for n in range(2, 5))
    empty = "".join(f'<row r="{n}" s="1" customFormat="1"/>' for n in range(5, 1_048_577))
    styled = _workbook(folder, "styled_rows.xlsx", rows + empty)
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n"
    alone = (
        ("DELETE FROM gpkg_geometry_columns WHERE table_name = 'points'",),
        ("DELETE FROM gpkg_contents WHERE table_name = 'points'",),
    )
    view = _geopackage(folder, "endless_view.gpkg", *_registered_view("endless", endless), *alone)
    register = "INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES (?, ?, ?)"
    many = _geopackage(
        folder,
        "layers_30k.gpkg",
        (register, [(f"t{i}", "attributes", f"t{i}") for i in range(30_000)]),
    )
    lines = csv_bytes([good_row(i) for i in range(1000)]).decode().split("\n")
    lines[4] = lines[4].replace(",第", ',"第', 1)
    quote = folder / "quote_swallows.csv"
    quote.write_text("\n".join(lines))
    return [
        ("KML line of 5,000,000 coordinates", ("import", str(kml))),
        ("GPX attribute of 100 MB", ("import", str(gpx_note))),
        ("GPX track of 990,000 points", ("import", "--patrol-type", "city_joint", str(track))),
        ("XLSX, 3 rows + 1,048,572 styled empty rows", ("import", str(styled))),
        ("GeoPackage view without end", ("import", str(view))),
        ("GeoPackage of 30,001 layers", ("import", str(many))),
        ("CSV quote swallowing 997 rows", ("import", str(quote))),
    ]


def main():
    from hailin.surveys.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="hailin-bounds-") as tmp:
        folder = pathlib.Path(tmp)
        good = folder / "good.csv"
        good.write_bytes(csv_bytes([good_row(i) for i in range(100)]))
        workspace = Workspace.create(folder / "ws").root
        base_wall, base_cpu, base_rss, _code, _ = _run(workspace, "import", str(good))
        print(f"load average {os.getloadavg()[0]:.1f}")
        print(
            f"baseline (100-row CSV import): {base_wall:.1f} s, {base_cpu:.1f} s CPU, {base_rss:.0f} MB"
        )
        print("| file | exit | wall s | CPU s | peak MB | × baseline CPU | message |")
        print("|---|---|---|---|---|---|---|")
        for name, arguments in _cases(folder):
            wall, cpu, rss, code, message = _run(workspace, *arguments)
            text = (message[0] if message else "")[:110]
            print(
                f"| {name} | {code} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {cpu / base_cpu:.1f} | {text} |"
            )
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
