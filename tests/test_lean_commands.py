"""Commands that do not link answer fast: none of them (nor any error path) imports
recordlinkage, scikit-learn or scipy, which take seconds to load. Each command runs
in a fresh process, as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import run_cli

HEAVY = ("recordlinkage", "sklearn", "scipy")
PROBE = """
import sys
from linkage.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print("HEAVY:", sorted(m for m in {heavy!r} if m in sys.modules))
"""


def _heavy_modules(*args: str) -> list[str]:
    code = PROBE.format(args=list(args), heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("HEAVY:"))
    return eval(line.removeprefix("HEAVY:"))  # noqa: S307 - our own printed list


@pytest.fixture(scope="module")
def ran(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("lean") / "out"
    result = run_cli("run", "--images", str(dataset.images), "--export", str(dataset.export),
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("command", ["scan", "review import", "links", "records check",
                                     "runs", "init", "missing images", "bad config", "help",
                                     "run, nothing changed"])
def test_commands_that_do_not_link_stay_lean(command, dataset, ran, tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[review]\nlang = "de"\n', encoding="utf-8")
    args = {
        "scan": ["scan", "--images", str(dataset.images), "--out", str(ran)],
        "review import": ["review", "import", str(ran / "review.xlsx")],
        "links": ["links", "--out", str(ran)],
        "records check": ["records", "check", str(dataset.export)],
        "runs": ["runs", "--out", str(ran)],
        "init": ["init", "--export", str(dataset.export), "--config-file",
                 str(tmp_path / "x.toml")],
        "missing images": ["run", "--images", str(tmp_path / "none"), "--export",
                           str(dataset.export), "--out", str(tmp_path / "o")],
        "bad config": ["run", "--images", str(dataset.images), "--export", str(dataset.export),
                       "--out", str(tmp_path / "o"), "--config", str(bad)],
        "help": ["--help"],
        # the last run's result is reused: no linker is loaded
        "run, nothing changed": ["run", "--images", str(dataset.images), "--export",
                                 str(dataset.export), "--out", str(ran)],
    }[command]
    assert _heavy_modules(*args) == []


def test_a_run_that_links_loads_recordlinkage_but_not_scikit_learn(dataset, tmp_path) -> None:
    """The linker takes recordlinkage's Index and Compare, not its classifiers
    (link/recordlinkage_parts.py): scikit-learn and scipy are 0.8 s of start-up."""
    args = ["run", "--images", str(dataset.images), "--export", str(dataset.export),
            "--out", str(tmp_path / "o")]
    assert _heavy_modules(*args) == ["recordlinkage"]
    assert (tmp_path / "o" / "review.xlsx").is_file()


def test_the_run_history_keeps_the_time_of_each_stage(ran) -> None:
    shown = run_cli("runs", "--out", str(ran))
    assert shown.returncode == 0, shown.stderr
    for stage in ("scan", "link", "outputs"):
        assert f"{stage} " in shown.stdout
    assert "pairs: auto" in shown.stdout


def test_help_does_not_load_the_name_dictionary() -> None:
    code = ("import sys\nfrom linkage.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\nprint('LOADED:', 'pymorphy3' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    assert "LOADED: False" in done.stdout
