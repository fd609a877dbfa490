"""`pip install .` ships everything the bot reads at run time, and a `sundown` command."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_the_catalogs_the_reading_set_and_the_command(tmp_path: Path) -> None:
    # Built from a copy: setuptools leaves build/ and *.egg-info in the tree it builds.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp_path), str(source)], check=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("sundown-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("zh_CN", "zh_TW", "en"):
        assert f"locales/{language}/LC_MESSAGES/messages.po" in names
    assert "desk/data/reading_set.tsv" in names
    assert "sandbox/story.py" in names and "bot.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "sundown = bot:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_catalogs_are_found_from_outside_the_tree(tmp_path: Path) -> None:
    """Run from another folder with the package on the path, as an installed one is."""
    result = subprocess.run(
        [sys.executable, "-c", "from desk.i18n import translator;"
         "print(translator('zh_CN').gettext('Service complaint'))"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "服务投诉"
