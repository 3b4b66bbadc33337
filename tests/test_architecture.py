"""The house's rules, checked on the source (docs/architecture.md, "Module map"):

- every import of linkage is absolute (`from linkage.x import y`), never relative;
- the units of linkage stand in one order and each imports only units before it: the
  leaves, then the domain (names, images, records, link), then what is made of its
  results (review, reports), then the job (run), then the command line;
- no circle among the modules of one unit;
- the domain starts no thread or process, pauses no collector and opens no state file:
  that is the job's plumbing, in run/ (a lock that keeps a module safe for the job's
  threads is the module's own business).

A broken rule fails here, naming the file, the line and the import."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "linkage"

ORDER = ["errors", "text", "config", "files", "store", "progress", "terminal", "xlsx",
         "names", "images", "records", "link", "review", "reports", "synth", "run", "cli",
         "__main__"]
DOMAIN = {"names", "images", "records", "link"}
PLUMBING = ("threading", "multiprocessing", "concurrent", "gc", "sqlite3")
LOCKS = {"Lock", "RLock"}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts) \
        .removesuffix(".__init__")


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[int, str, int]]:
    """(line, module, level) of every import in the file, also inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [f"{node.module}.{a.name}" if node.module == "linkage" else node.module
                     for a in node.names]
            found += [(node.lineno, name or "", node.level) for name in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, 0) for alias in node.names]
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_relative_import() -> None:
    wrong = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in _sources()
             for line, _, level in _imports(path) if level]
    assert not wrong, "relative imports (write `from linkage.x import y`):\n" + "\n".join(wrong)


def test_every_unit_has_its_place_in_the_order() -> None:
    units = {_unit(_module(p)) for p in _sources()} - {""}
    assert units <= set(ORDER), f"not placed in ORDER: {units - set(ORDER)}"


def test_imports_flow_down_the_order() -> None:
    wrong = []
    for path in _sources():
        own = _unit(_module(path))
        for line, target, _ in _imports(path):
            if not target.startswith("linkage.") or _unit(target) in ("", own):
                continue
            if own == "" or ORDER.index(_unit(target)) > ORDER.index(own):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not wrong, "imports that run back up:\n" + "\n".join(wrong)


def test_the_domain_imports_no_plumbing() -> None:
    wrong = []
    for path in _sources():
        if _unit(_module(path)) not in DOMAIN:
            continue
        for line, target, _ in _imports(path):
            if target == "threading" and _threading_used(path) <= LOCKS:
                continue
            if target.split(".")[0] in PLUMBING or target.startswith(("linkage.run",
                                                                      "linkage.store")):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not wrong, "plumbing in the domain (it belongs in run/):\n" + "\n".join(wrong)


def _threading_used(path: Path) -> set[str]:
    return {node.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "threading"}


def test_no_circle_inside_a_unit() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    modules = {_module(p) for p in _sources()}
    for path in _sources():
        own = _module(path)
        for _, target, _ in _imports(path):
            while target and target not in modules:     # `from linkage.x.y import name`
                target = target.rpartition(".")[0]
            if target and target != own and _unit(target) == _unit(own):
                graph[own].add(target)
    circles = []

    def visit(module: str, trail: list[str]) -> None:
        for nxt in sorted(graph[module]):
            if nxt in trail:
                circles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in seen:
                seen.add(nxt)
                visit(nxt, trail + [nxt])

    seen: set[str] = set()
    for module in sorted(graph):
        if module not in seen:
            seen.add(module)
            visit(module, [module])
    assert not circles, "circles among the modules of a unit:\n" + "\n".join(circles)


def test_the_rules_catch_what_they_are_for(tmp_path: Path) -> None:
    """The checks above read imports as they are written: a relative import, an
    import inside a function and `from linkage import x` are all seen."""
    sample = tmp_path / "sample.py"
    sample.write_text("from . import x\n\ndef f():\n    from linkage import store\n"
                      "    import threading\n", encoding="utf-8")
    assert _imports(sample) == [(1, "", 1), (4, "linkage.store", 0), (5, "threading", 0)]
