"""The package's rooms import one way: _core <- sources <- analysis rooms <- audit/views/... <- CLI.

Read from the source with ``ast`` (nothing is imported). Rules, for every module of the package:

* a module imports rooms of lower layers, or modules of its own room; the analysis rooms may use
  one another, and the module graph has no cycle (imports under ``if TYPE_CHECKING`` excepted);
* no import of a package module inside a function (lazy imports are for heavy third-party
  libraries only);
* no name starting with ``_`` imported from another module;
* no module imports the ``mlliteracy`` facade itself.

``test_a_planted_violation_fails`` proves each rule can fail.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlliteracy"

#: room -> layer; a module may import rooms of a lower layer (and of layer 4 among themselves)
LAYERS = {
    "_core": 0,
    "cards": 1,
    "data": 2,
    "models": 3,
    **dict.fromkeys(
        (
            "anatomy",
            "provenance",
            "latency",
            "compression",
            "cost",
            "failures",
            "risks",
            "mlops",
            "training",
            "vocabulary",
        ),
        4,
    ),
    **dict.fromkeys(("audit", "views", "workbook", "grading"), 5),
    **dict.fromkeys(("commands", "cli"), 6),
    "": 7,  # the facade, mlliteracy/__init__.py
}
ANALYSIS = 4


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    names: tuple[str, ...]
    in_function: bool
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_edges(root: Path) -> tuple[set[str], list[Edge]]:
    """Every import of the package's own modules, with where it sits."""
    files = {module_name(p, root): p for p in root.rglob("*.py") if "assets" not in p.parts}
    edges: list[Edge] = []
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        inner, typing_only = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner |= {id(n) for n in ast.walk(node) if n is not node}
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                typing_only |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1] + ([node.module] if node.module else [])
                target = ".".join(base)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(root.name):
                target = node.module or ""
            elif isinstance(node, ast.Import):
                hits = [a.name for a in node.names if a.name.split(".")[0] == root.name]
                if not hits:
                    continue
                target = hits[0]
            else:
                continue
            names = tuple(a.name for a in getattr(node, "names", []))
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in files]
            for sub in subs:
                edges.append(Edge(name, sub, (), id(node) in inner, node.lineno))
            if not subs or len(subs) < len(names):
                rest = tuple(n for n in names if f"{target}.{n}" not in files)
                edges.append(Edge(name, target, rest, id(node) in inner, node.lineno))
    return set(files), edges


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def violations(root: Path) -> list[str]:
    modules, edges = import_edges(root)
    found = []
    for e in edges:
        where = f"{e.source} line {e.line}: imports {e.target}"
        if e.target == root.name and e.source != root.name:
            found.append(f"{where} (the facade; import the module that defines the name)")
            continue
        if e.target not in modules:
            continue
        if e.in_function:
            found.append(f"{where} inside a function (import package modules at the top)")
        src, dst = room(e.source), room(e.target)
        low, high = LAYERS.get(dst, 99), LAYERS.get(src, 99)
        if src != dst and not (low < high or low == high == ANALYSIS):
            found.append(f"{where}, a room of layer {low} from layer {high}")
        private = [n for n in e.names if n.startswith("_") and not n.startswith("__")]
        if private:
            found.append(f"{where} private name(s) {private}")
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for e in edges:
        if e.target in modules and e.target != e.source:
            graph[e.source].add(e.target)
    found += [f"cycle: {' -> '.join(c)}" for c in _cycles(graph)]
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_every_room_is_a_known_layer():
    rooms = {room(m) for m in import_edges(PACKAGE)[0]}
    assert rooms <= set(LAYERS), f"add {sorted(rooms - set(LAYERS))} to LAYERS"


def test_the_package_imports_one_way():
    assert violations(PACKAGE) == []


def test_rooms_are_docstring_only_packages():
    for init in PACKAGE.glob("*/__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init.parent.name}/__init__.py needs its docstring"
        assert len(tree.body) == 1, f"{init.parent.name}/__init__.py must only hold a docstring"


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "mlliteracy"
    for rel, text in {"__init__.py": "", "_core/__init__.py": '"""."""', **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "word"),
    [
        ({"_core/errors.py": "from ..audit import report\n", "audit/report.py": ""}, "layer 5"),
        ({"data/a.py": "def f():\n    from ..cards import b\n", "cards/b.py": ""}, "function"),
        ({"cost/a.py": "from .b import _helper\n", "cost/b.py": "_helper = 1\n"}, "private"),
        ({"cost/a.py": "from .b import x\n", "cost/b.py": "from .a import y\n"}, "cycle"),
        ({"cost/a.py": "import mlliteracy\n"}, "facade"),
    ],
)
def test_a_planted_violation_fails(tmp_path, files, word):
    found = violations(_plant(tmp_path, files))
    assert any(word in v for v in found), found


def test_a_typing_only_import_is_not_a_cycle(tmp_path):
    files = {
        "cost/a.py": "from .b import x\n",
        "cost/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import y\n",
    }
    assert violations(_plant(tmp_path, files)) == []


def test_rooms_stay_small_enough_to_read():
    top = [p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"]
    assert len(top) <= 25, sorted(top)
    for folder in (p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 10, f"{folder.name} holds {len(modules)} modules: split the room"
    for path in PACKAGE.rglob("*.py"):
        if "assets" not in path.parts:
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines <= 450, f"{path.relative_to(PACKAGE)} has {lines} lines: split it"
