"""No import cycle among the project's modules.

Every import statement counts, those inside a function too: a function-level import that
closes a cycle (harness imported schedule, and schedule imported harness to measure) still
ties two modules into one, though Python would not fail on it. What is not counted: the
implicit import of a module's parent packages (every submodule would form a cycle with its
package's __init__), and modules named by a string (importlib.import_module, the divergence
probes' child processes), which no parser can follow.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("implementations", "comparisons", "benchmarks", "tests")
INSTALLED = ("implementations", "comparisons")


def parse(path: Path) -> ast.Module:
    """ast.parse, again after CPython 3.11's spurious "AST constructor recursion depth mismatch"
    (python/cpython#106905): the session's training parses source in another thread (autograph)."""
    for attempt in range(5):
        try:
            return ast.parse(path.read_text(encoding="utf-8"), str(path))
        except SystemError:
            if attempt == 4:
                raise


def project_modules(root: Path = ROOT, packages=PACKAGES) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package's __init__) of every module under the packages."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if package in INSTALLED:  # the folders are tf_rosetta's subpackages (pyproject.toml)
                parts.insert(0, "tf_rosetta")
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imports_of(name: str, modules: dict) -> dict[str, int]:
    """The project modules `name` imports, anywhere in its file: target -> first line."""
    path, is_package = modules[name]
    package = name if is_package else name.rpartition(".")[0]
    found = {}
    for node in ast.walk(parse(path)):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            # `from package import name`: the submodule when there is one, else the package.
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                       for alias in node.names]
        for target in targets:
            if target in modules:
                found.setdefault(target, node.lineno)
    return found


def import_cycles(modules: dict) -> list[list[str]]:
    """Each strongly connected group of modules (two or more, or one that imports itself),
    as one cycle through it: [a, b, ..., a]."""
    graph = {name: imports_of(name, modules) for name in modules}
    order, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(start):  # Tarjan's algorithm, iterative: no recursion limit to meet
        work = [(start, iter(graph[start]))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in order:
                    order[target] = low[target] = len(order)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                elif target in on_stack:
                    low[node] = min(low[node], order[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == order[node]:
                group = []
                while not group or group[-1] != node:
                    group.append(stack.pop())
                    on_stack.discard(group[-1])
                if len(group) > 1 or node in graph[node]:
                    groups.append(set(group))

    for name in graph:
        if name not in order:
            visit(name)
    return [_cycle_through(group, graph) for group in groups]


def _cycle_through(group: set, graph: dict) -> list[str]:
    """One cycle inside a strongly connected group, from its first module in name order."""
    start = min(group)
    paths, seen = {start: [start]}, {start}
    frontier = [start]
    while frontier:  # breadth first: the shortest way back to start
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target == start:
                    return paths[node] + [start]
                if target in group and target not in seen:
                    seen.add(target)
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(group)}")


def _described(cycle: list[str], modules: dict) -> str:
    steps = [f"{a} (line {imports_of(a, modules)[b]}) -> {b}" for a, b in zip(cycle, cycle[1:])]
    return "; ".join(steps)


def test_no_module_imports_itself_through_others():
    modules = project_modules()
    assert len(modules) > 100, "the search must find the project's modules"
    # and the imports between them, under the names they import each other by
    assert "tf_rosetta.implementations.registry" in imports_of("tf_rosetta.comparisons.harness", modules)
    cycles = import_cycles(modules)
    assert cycles == [], "import cycles: " + " | ".join(_described(cycle, modules) for cycle in cycles)


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from . import leaf\n")  # a package and its module: no cycle
    (package / "sub" / "leaf.py").write_text("import os\n")
    (package / "harness.py").write_text("from pkg import schedule\nfrom pkg.sub import leaf\n")
    (package / "schedule.py").write_text("def measure():\n    from . import harness\n    return harness\n")
    modules = project_modules(tmp_path, ("pkg",))
    assert import_cycles(modules) == [["pkg.harness", "pkg.schedule", "pkg.harness"]]
    assert _described(["pkg.harness", "pkg.schedule", "pkg.harness"], modules) == \
        "pkg.harness (line 1) -> pkg.schedule; pkg.schedule (line 2) -> pkg.harness"
