"""`pip install .` ships everything the bot reads at run time, a `sundown` command, and
leaves the source tree as it was.

The wheel is built offline from a copy of the tree (no build isolation, no dependencies) and
installed into a fresh virtual environment that borrows the test environment's dependencies
but not its editable Sundown: what runs there is the wheel, from a folder outside the tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds and installs the wheel in fresh virtual environments

ROOT = Path(__file__).resolve().parent.parent
_NOISE = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache",
                                ".hypothesis", "build", "*.egg-info")


def IGNORED(folder: str, names: list[str]) -> set[str]:
    """What a checkout has besides its sources (a local data folder, say)."""
    local = {"data", "demo-data"} if Path(folder) == ROOT else set()
    return set(_NOISE(folder, names)) | (local & set(names))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the source copy after the build, the wheel)."""
    where = tmp_path_factory.mktemp("build")
    source = where / "src"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(where), str(source)], check=True, cwd=where,
                   capture_output=True)
    (wheel,) = where.glob("sundown-*.whl")
    return source, wheel


@pytest.fixture(scope="module")
def installed(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its bin folder."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True)
    # The dependencies come from the test environment's site-packages: a path line in a .pth
    # adds the folder but runs none of its .pth files, so its editable Sundown stays out.
    Path(site.stdout.strip(), "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(built[1])], check=True, capture_output=True)
    return target / "bin"


def test_the_build_leaves_the_tree_as_it_was(built: tuple[Path, Path]) -> None:
    source, _ = built
    assert not (source / "build").exists()
    assert not list(source.glob("*.egg-info"))


def test_pip_install_dot_leaves_no_egg_info(tmp_path: Path) -> None:
    """`pip install .` with build isolation asks the backend for its requirements and metadata
    before the wheel (the test above builds without isolation, which skips those hooks):
    the calls in pip's order, through pip's own hook caller, offline."""
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    script = (
        "import pathlib, sys\n"
        "from pip._vendor.pyproject_hooks import BuildBackendHookCaller\n"
        "out = pathlib.Path(sys.argv[1])\n"
        "hooks = BuildBackendHookCaller('.', 'sundown_build', backend_path=['.'])\n"
        "hooks.get_requires_for_build_wheel()\n"
        "info = hooks.prepare_metadata_for_build_wheel(str(out))\n"
        "hooks.build_wheel(str(out), metadata_directory=str(out / info))\n"
        "hooks.get_requires_for_build_sdist()\n")
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=source, check=True,
                   capture_output=True)
    assert list(tmp_path.glob("sundown-*.whl"))
    assert not (source / "build").exists()
    assert not list(source.glob("*.egg-info"))


def test_the_wheel_holds_the_catalogs_the_reading_set_and_the_command(
        built: tuple[Path, Path]) -> None:
    names = set(zipfile.ZipFile(built[1]).namelist())
    for language in ("zh_CN", "zh_TW", "en"):
        assert f"locales/{language}/LC_MESSAGES/messages.po" in names
    assert "desk/data/reading_set.tsv" in names
    assert {"webapp/static/index.html", "webapp/static/app.js", "webapp/static/app.css"} <= names
    assert "sandbox/story.py" in names and "bot.py" in names
    assert not any(n.startswith(("tests/", "bench/", "sundown_build")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "sundown = bot:main" in zipfile.ZipFile(built[1]).read(entry_points).decode()


def test_the_installed_command_runs_from_anywhere(installed: Path, tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = subprocess.run([*args], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120, env={"PATH": f"{installed}:/usr/bin:/bin",
                                                  "MPLCONFIGDIR": str(tmp_path / "mpl")})
        assert result.returncode == 0, result.stderr
        return result.stdout

    usage = run("sundown", "--help")
    for command in ("run", "demo", "links", "check", "status", "backup"):
        assert command in usage
    where = run(str(installed / "python"), "-c", "import desk, locales; from desk.i18n import "
                "translator; print(desk.__file__); print(locales.__file__); "
                "print(translator('zh_TW').gettext('Service complaint'))").splitlines()
    assert all(not line.startswith(str(ROOT)) for line in where[:2]), "the wheel, not the tree"
    assert where[2] == "服務客訴"
    story = run("sundown", "demo", "--lang", "en", "--data-dir", str(tmp_path / "demo"))
    assert "Thank you" in story
