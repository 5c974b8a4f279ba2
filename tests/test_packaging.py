"""What the project installs: one top-level name, tf_rosetta, and nothing test-only."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.test_imports import parse

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = {"tf_rosetta.implementations": "implementations", "tf_rosetta.comparisons": "comparisons"}


def _setuptools():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_installed_under_tf_rosetta_and_nothing_else():
    folders = {"tf_rosetta": ROOT / "tf_rosetta"}
    for package, folder in INSTALLED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            folders[".".join((package, *relative))] = init.parent
    assert set(_setuptools()["packages"]) == set(folders)
    assert _setuptools()["package-dir"] == {"tf_rosetta": "tf_rosetta", **INSTALLED}


def test_no_module_imports_the_folders_by_their_bare_names():
    found = []
    for folder in ("tf_rosetta", *INSTALLED.values(), "benchmarks", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(parse(path)):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
                found += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names
                          if name.split(".")[0] in INSTALLED.values()]
    assert found == []


def test_the_bare_name_from_a_checkout_fails_in_one_line():
    completed = subprocess.run([sys.executable, "-c", "import implementations"], cwd=ROOT, capture_output=True,
                               text=True, timeout=60)
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines()[-1] == (
        "ImportError: implementations: tf-rosetta's implementations are imported as tf_rosetta.implementations "
        "(pyproject.toml)")
