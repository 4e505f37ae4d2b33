"""hailin installs under one name: the wheel built from the repository holds only
``hailin`` at its top, and works from a folder whose own ``maps/``, ``geo/``,
``surveys/`` and ``layers/`` packages would shadow bare names."""

import json
import pathlib
import subprocess
import sys
import sysconfig
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DECOYS = ("maps", "geo", "surveys", "layers")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel pip builds from the repository, as ``pip install`` would."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("hailin-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory):
    """A new virtual environment with the wheel installed; its dependencies are
    reached through a path entry to this environment's site-packages (a plain
    path line: that folder's .pth files, the repository's editable install among
    them, are not run)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (pathlib.Path(site) / "hailin-test-deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return venv


@pytest.fixture
def decoy_folder(tmp_path):
    """A notebook folder with packages of its own named like hailin's folders;
    importing any of them raises, so a bare import inside hailin would show."""
    for name in DECOYS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(
            f"raise ImportError('the notebook folder\\'s own {name}/ was imported')\n",
            encoding="utf-8",
        )
    return tmp_path


def test_the_wheel_has_one_top_level_name(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"hailin"}
    for data in (
        "hailin/surveys/data/vocabulary.toml",
        "hailin/geo/data/sites.geojson",
        "hailin/layers/draw.js",
        "hailin/maps/controls.js",
    ):
        assert data in names


@pytest.mark.slow
def test_the_installed_package_works_beside_folders_named_like_its_own(fresh_venv, decoy_folder):
    bin_dir = fresh_venv / "bin"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(decoy_folder), "LANG": "C.UTF-8"}

    def run(program, *args):
        done = subprocess.run(
            [str(bin_dir / program), *args],
            cwd=decoy_folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("hailin", "demo", "--force", "demo")
    script = (
        "import json, hailin, sys\n"
        "exported = [getattr(hailin, name) for name in hailin.__all__]\n"
        "ws = hailin.open_workspace('demo')\n"
        "m = ws.clearance_map()\n"
        "m.save('notebook-map.html')\n"
        f"bare = sorted(n for n in sys.modules if n.split('.')[0] in {DECOYS!r})\n"
        "print(json.dumps({'sites': ws.sites['site_id'].tolist(), 'file': hailin.__file__,"
        " 'bare': bare}))\n"
    )
    said = json.loads(run("python", "-c", script).splitlines()[-1])
    assert said["sites"] == ["kewan", "xuncheng", "luochun"]
    assert said["file"].startswith(str(fresh_venv))
    assert said["bare"] == []
    assert (decoy_folder / "notebook-map.html").stat().st_size > 10_000
    run("hailin", "-w", "demo", "map", "overview", "-o", "overview.html")
    assert (decoy_folder / "overview.html").stat().st_size > 10_000
