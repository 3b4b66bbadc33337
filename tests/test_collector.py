"""The collector pause (linkage/run/collector.py): off inside, as it was after, also when the
step fails; and the steps that use it give it back."""

from __future__ import annotations

import gc

import pytest

from linkage.names.parse import parse_dicom_names
from linkage.records.read import read_export_kept
from linkage.run.collector import collector_paused, paused_call


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_back_after(collector_on) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():            # nested: the inner end does not turn it on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_step_gives_the_collector_back(collector_on) -> None:
    with pytest.raises(ZeroDivisionError), collector_paused():
        _ = 1 / 0
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off(collector_on) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_the_background_steps_leave_the_collector_on(collector_on, tmp_path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("record_id;ФИО;Дата рождения\n1;Иванов Иван Иванович;01.02.1960\n",
                      encoding="utf-8")
    read, _ = paused_call(read_export_kept, export)
    assert [r["surname"] for r in read.records] == ["Иванов"]
    names = paused_call(parse_dicom_names, ["PETROV^PETR"])
    assert names["PETROV^PETR"].surname == "Petrov"
    assert gc.isenabled()
