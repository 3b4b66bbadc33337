"""The pipeline only flows down: images, records -> link -> review -> job -> cli, with
leaves (errors, config, names, store, lock, text, files, background, caching) that import no
stage. An import that runs back up fails here, naming the file and the import
(docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "linkage"

LEAVES = {"errors", "config", "names", "store", "lock", "text", "files", "background",
          "checkpoint", "progress", "caching", "collector", "workers", "run_guards", "terminal"}
# Each rank may import the ranks before it; images and records, the two inputs, are
# one rank and import neither each other.
RANKS = [{"images", "records"}, {"link"}, {"review"}, {"outputs"}, {"inventory"}, {"meanwhile"},
         {"job"},
         {"synth"},
         {"cli"}, {"__main__"}]
STAGES = set().union(*RANKS)


def _rank(module: str) -> int:
    top = module.split(".")[1] if module.startswith("linkage.") else module
    if top in LEAVES:
        return -1
    return next(i for i, rank in enumerate(RANKS) if top in rank)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, m) for line, m in found if m.startswith("linkage.")]


def test_imports_flow_down() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts)
        if module in ("linkage.__init__", "linkage"):
            continue
        own_top = module.split(".")[1]
        own = _rank(module)
        for line, target in _imports(path):
            if target.split(".")[1] == own_top:
                continue
            other = _rank(target)
            leaf_breaks_rule = own == -1 and other != -1
            if leaf_breaks_rule or (own != -1 and other >= own):
                wrong.append(f"{relative}.py:{line} imports {target}")
    assert not wrong, "imports that run back up:\n" + "\n".join(wrong)


def test_every_module_is_placed() -> None:
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.iterdir()
            if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert tops - {"__init__"} <= LEAVES | STAGES
