"""recordlinkage's Index and Compare, loaded before the package's `__init__`.

`import recordlinkage` runs its `__init__`, which imports every classifier the
library offers and its q-gram string comparisons: scikit-learn and scipy, most of the
import's time and memory, for nothing the linker uses: its scoring is its
own, its string similarities are rapidfuzz's. The linker needs two modules:
`recordlinkage.base` (BaseIndex, BaseCompare, BaseCompareFeature) and
`recordlinkage.index` (Block, SortedNeighbourhood); `recordlinkage.Index()` and
`recordlinkage.Compare()` are these base classes plus shortcuts.

So the package is registered as it would be by `import recordlinkage`, from its own
spec, and these submodules are imported into it; its `__init__` runs only when the
package is asked for a name it does not have yet (`recordlinkage.Compare`, `from
recordlinkage import FellegiSunter`), through the module's `__getattr__`. Whoever
imports recordlinkage in the same process afterwards gets the whole library, with
the very same classes. If anything here fails (another recordlinkage), the package
is imported the usual way.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from typing import Any

_lock = threading.RLock()
_MODULES = ("recordlinkage.config_init", "recordlinkage.base", "recordlinkage.index")


def load() -> tuple[Any, Any]:
    """(recordlinkage.base, recordlinkage.index); scikit-learn and scipy not imported
    unless recordlinkage was already imported whole."""
    with _lock:
        if "recordlinkage" not in sys.modules:
            try:
                _register_package()
            except ImportError:
                _forget_package()
        try:
            return tuple(importlib.import_module(name) for name in _MODULES[1:])
        except ImportError:
            _forget_package()
            importlib.import_module("recordlinkage")        # the usual way, whole
            return tuple(importlib.import_module(name) for name in _MODULES[1:])


def _register_package() -> None:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError("recordlinkage is not installed", name="recordlinkage")
    package = importlib.util.module_from_spec(spec)
    state = {"done": False}

    def complete(name: str) -> Any:
        """A submodule asked for by name (`from recordlinkage import rl_logging`, as
        its modules do) is imported; any other name first runs the package's own
        `__init__`."""
        if importlib.util.find_spec(f"recordlinkage.{name}") is not None:
            return importlib.import_module(f"recordlinkage.{name}")
        with _lock:
            if not state["done"]:
                state["done"] = True
                spec.loader.exec_module(package)
        if name in package.__dict__:
            return package.__dict__[name]
        raise AttributeError(f"module 'recordlinkage' has no attribute {name!r}")

    package.__getattr__ = complete
    sys.modules["recordlinkage"] = package
    for name in _MODULES:
        importlib.import_module(name)


def _forget_package() -> None:
    for name in [m for m in sys.modules
                 if m == "recordlinkage" or m.startswith("recordlinkage.")]:
        del sys.modules[name]


def new_compare() -> Any:
    """An empty recordlinkage comparison (`recordlinkage.Compare()` without its
    shortcuts)."""
    return load()[0].BaseCompare()
