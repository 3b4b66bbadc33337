"""recordlinkage's Index and Compare without its classifiers: each case runs in a
fresh interpreter, since what it checks is what a process has imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_parts_load_without_scikit_learn_or_scipy() -> None:
    out = _run("""
        import sys
        from linkage.link.recordlinkage_parts import load
        base, index = load()
        assert base.__name__ == "recordlinkage.base" and index.__name__ == "recordlinkage.index"
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "scipy"})
        print("HEAVY", heavy)
    """)
    assert "HEAVY []" in out


def test_the_parts_index_and_compare_like_recordlinkage_itself() -> None:
    """The same pairs and the same feature values as recordlinkage.Index / Compare."""
    out = _run("""
        import numpy as np
        import pandas as pd
        from linkage.link.recordlinkage_parts import load, new_compare
        base, index = load()
        a = pd.DataFrame({"s": ["ivanov", "petrov", "sidorov", "ivanov"]})
        b = pd.DataFrame({"s": ["ivanov", "sidorov", "kuznetsov"]}, index=[10, 11, 12])
        ours = base.BaseIndex([index.Block(left_on="s", right_on="s"),
                               index.SortedNeighbourhood("s", window=3)]).index(a, b)

        class Same(base.BaseCompareFeature):
            def _compute_vectorized(self, left, right):
                return (left == right).astype(float).values

        compare = new_compare()
        compare.add(Same("s", "s", label="same"))
        features = compare.compute(ours, a, b)

        import recordlinkage
        theirs = recordlinkage.Index()
        theirs.block(left_on="s", right_on="s")
        theirs.sortedneighbourhood("s", window=3)
        expected = theirs.index(a, b)
        assert sorted(ours) == sorted(expected), (list(ours), list(expected))
        full = recordlinkage.Compare()
        full.exact("s", "s", label="same")
        assert np.array_equal(features["same"].values, full.compute(ours, a, b)["same"].values)
        print("PAIRS", len(ours), int(features["same"].sum()))
    """)
    assert "PAIRS" in out


def test_recordlinkage_imported_later_is_whole_and_shares_the_classes() -> None:
    _run("""
        from linkage.link.recordlinkage_parts import load
        base, index = load()
        import recordlinkage
        from recordlinkage import FellegiSunter, Compare
        from recordlinkage.index import Block
        assert issubclass(recordlinkage.Index, base.BaseIndex)
        assert issubclass(Compare, base.BaseCompare)
        assert recordlinkage.base is base and Block is index.Block
        assert recordlinkage.__version__ and FellegiSunter.__name__ == "FellegiSunter"
        import sys
        assert "sklearn" in sys.modules      # the whole library, as asked
    """)


def test_recordlinkage_imported_before_is_used_as_it_is() -> None:
    _run("""
        import recordlinkage
        from linkage.link.recordlinkage_parts import load
        base, index = load()
        assert base is recordlinkage.base and index is recordlinkage.index
    """)
