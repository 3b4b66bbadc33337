"""Progress a person can plan by: the scan and the link stage each show a bar with a
total and the time left when asked to (on a terminal), and nothing otherwise."""

from __future__ import annotations

import re

from linkage.config import load_settings
from linkage.progress import Bar
from linkage.run.job import run_job


def test_a_run_shows_the_scan_and_the_link_stage_with_totals(dataset, tmp_path, capsys) -> None:
    run_job(dataset.images, dataset.export, tmp_path / "out", load_settings(), progress=True)
    shown = capsys.readouterr().err.replace("\r", "\n")
    files = sum(1 for p in dataset.images.rglob("*") if p.is_file())
    # the scan: every file counted against the total found by the walk
    assert re.search(rf"reading headers: 100%.*\b{files}/{files}\b", shown), shown[-2000:]
    # the link stage: in shares of its work, finished, with the time it took
    assert re.search(r"linking: 100%\|.*\[\d\d:\d\d<\d\d:\d\d\], reasons", shown), \
        shown[-2000:]


def test_a_run_not_on_a_terminal_prints_no_bar(dataset, tmp_path, capsys) -> None:
    run_job(dataset.images, dataset.export, tmp_path / "out", load_settings(), progress=False)
    assert capsys.readouterr().err == ""


def test_a_bar_learns_its_total_late_and_says_what_it_does(capsys) -> None:
    bar = Bar(True, "  counting", unit=" files")
    bar.advance(3, "first folder")
    bar.set_total(4)
    bar.advance(1)
    bar.close()
    shown = capsys.readouterr().err.replace("\r", "\n")
    assert re.search(r"counting: 100%.*4/4", shown), shown
    assert "first folder" in shown
    quiet = Bar(False, "  counting", 4)
    quiet.advance(4)
    quiet.close()
    assert capsys.readouterr().err == ""
