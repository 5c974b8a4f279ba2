"""tf-rosetta, installed under one name: `tf_rosetta.implementations` (the programs, one folder a
task) and `tf_rosetta.comparisons` (the harness and the commands).

The two folders sit at the project's root, where the project describes them; pyproject.toml
installs them as this package's subpackages, so that nothing of tf-rosetta takes a generic
top-level name (`implementations`, `comparisons`) that another installed package could shadow.
"""

from pathlib import Path

# From a source checkout (the folders beside this one), import the checkout's own folders,
# whichever checkout's tf_rosetta Python found first: an editable install of another checkout
# (a git worktree run with PYTHONPATH) must not mix its modules with this one's.
_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "implementations" / "__init__.py").is_file() and (_ROOT / "pyproject.toml").is_file():
    __path__.append(str(_ROOT))
