"""The programs an entry reaches, and the reusable pieces of alignment checks.

An entry's `applies_to` regex picks the program files in which its difference would show
(searched in their code, comments and docstrings removed, so the list cannot go stale);
its `alignment_problems(path, code)` says what such a file lacks, empty when it carries
the aligning setting.
"""

import ast
import functools
import re
from pathlib import Path
from typing import Callable

from tf_rosetta import implementations
from tf_rosetta.implementations import registry

IMPLEMENTATIONS = Path(implementations.__file__).parent

Check = Callable[[Path, str], list[str]]


def program_files() -> list[Path]:
    """Every program of every registered task (specs and helpers excluded)."""
    return [IMPLEMENTATIONS / task / f"{program}.py" for task in registry.TASKS for program in registry.programs_of(task)
            if (IMPLEMENTATIONS / task / f"{program}.py").exists()]


def program_code(path: Path) -> str:
    """A program's code without its comments and docstrings: a setting named only there does not count."""
    return _code_of(path.read_text())


@functools.lru_cache(maxsize=512)
def _code_of(source: str) -> str:
    # Keyed by the text, not the path: an edited file is parsed again. The catalog asks for
    # each program once per entry.
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def dependent_files(entry) -> list[Path]:
    """The program files in which the difference would show: those that need the aligning setting."""
    return [path for path in program_files() if re.search(entry.applies_to, program_code(path), re.MULTILINE)]


def alignment_problems(entry) -> list[str]:
    return [problem for path in dependent_files(entry) for problem in entry.alignment_problems(path, program_code(path))]


def program_task(path: Path) -> str | None:
    """The task a program file belongs to, if it is a registered task's."""
    task = path.parent.name
    return task if task in registry.TASKS else None


# Checks several entries use: each returns an alignment check.

def contains(pattern: str, meaning: str) -> Check:
    """A file is aligned when its code matches pattern; meaning says what it does otherwise."""
    def problems(path: Path, source: str) -> list[str]:
        return [] if re.search(pattern, source) else [f"{path}: {meaning}"]

    return problems


def lacks(pattern: str, meaning: str) -> Check:
    """A file is aligned when its code does not match pattern (it keeps a default); meaning says what it does."""
    def problems(path: Path, source: str) -> list[str]:
        return [f"{path}: {meaning}"] if re.search(pattern, source) else []

    return problems


def set_by_the_package(variable: str, value: str) -> Check:
    """Aligned when implementations/__init__.py sets the environment variable (with setdefault)."""
    def problems(path: Path, source: str) -> list[str]:
        package = (IMPLEMENTATIONS / "__init__.py").read_text()
        if f'os.environ.setdefault("{variable}", "{value}")' not in package:
            return [f"{path}: implementations/__init__.py no longer sets {variable}={value}"]
        return []

    return problems
