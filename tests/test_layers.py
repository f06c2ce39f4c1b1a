"""The package's layers, read from the code's own imports: lower floors never import upper ones, no
circles, the core imports no gradio, and the environment is read in one module only."""

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "greentext"
# Floors, bottom up; a module may import its own floor and the ones below. training/ and ui/ stand beside
# each other (neither imports the other), ops/ beside them too.
FLOORS = {"paths": 0, "config": 0, "language": 0, "model": 1, "decode": 2, "probes": 3, "present": 4,
          "training": 5, "ui": 5, "ops": 5}


@cache
def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


@cache
def imports_of(path: Path) -> frozenset[str]:
    """Every module `path` imports (absolute names), at any depth of the file (lazy imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import (the package imports absolutely)"
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(modules())
            # "from greentext.ui import attention" imports the submodule (the package is already loading)
            found |= submodules or {node.module}
    return frozenset(found)


def part(module: str) -> str | None:
    bits = module.split(".")
    return bits[1] if bits[0] == "greentext" and len(bits) > 1 else None


@pytest.mark.parametrize("module", sorted(modules()))
def test_lower_floors_never_import_upper_ones(module):
    here = part(module)
    if here is None:  # greentext/__init__.py
        return
    for name in imports_of(modules()[module]):
        there = part(name)
        if there is None or there == here or there not in FLOORS:
            continue
        assert FLOORS[there] <= FLOORS[here] and not (FLOORS[there] == FLOORS[here] == 5), \
            f"{module} (floor {FLOORS[here]}) imports {name} (floor {FLOORS[there]})"


def test_every_part_has_a_floor():
    assert {part(m) for m in modules()} - {None} == set(FLOORS)


def test_no_import_circles():
    mods = modules()
    graph = {m: {n for n in imports_of(p) if n in mods and n != m} for m, p in mods.items()}
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for n in graph[m]:
            if state.get(n) == 1:
                raise AssertionError("import circle: " + " → ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_the_core_imports_no_gradio():
    for module, path in modules().items():
        if part(module) != "ui":
            assert not any(n == "gradio" or n.startswith("gradio.") for n in imports_of(path)), module


def test_the_environment_is_read_in_one_module():
    readers = {m for m, p in modules().items() if "environ" in p.read_text(encoding="utf-8") or "getenv" in p.read_text(encoding="utf-8")}
    assert readers <= {"greentext.config"}, readers
