"""SIGTERM to `linkage` ends its spawned header-reading workers too (they used to be
orphaned, one holding gigabytes), and the state stays usable: the next scan resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkage.synth.dicom_writer import InstanceSpec, instance_bytes
from tests.reliability.conftest import state_dump


def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out.update(int(x) for x in text)
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _many_copies(images: Path) -> None:
    content = instance_bytes(InstanceSpec(
        patient_name=b"PERSON^ONE", charset="", patient_id="1", birth_date="19600101",
        sex="M", study_uid="1.2.3.1", series_uid="1.2.3.1.1", sop_uid="1.2.3.1.1.1",
        study_date="20240101", modality="MR", study_description="MRI",
        series_description="T2", body_part="", institution=""))
    for n in range(30_000):              # copies of one image: enough work to be stopped
        folder = images / f"Person{n // 100:03d} MRT"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"IM{n}.dcm").write_bytes(content)


def _as_in_a_console() -> None:
    """Ctrl-C as a console delivers it: a test run in the background (a CI job, `&`)
    would otherwise pass on an ignored SIGINT, which the job would never see."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _scan_with_workers(command: list[str]) -> tuple[subprocess.Popen, set[int]]:
    """A scan started in a session of its own (as a console starts it), once two of
    its worker processes are seen."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, preexec_fn=_as_in_a_console)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2 and process.poll() is None:
        workers = {c for c in _children(process.pid) if _alive(c)}
        time.sleep(0.05)
    if process.poll() is not None:
        pytest.skip("the scan finished before its workers could be seen")
    time.sleep(0.3)
    return process, workers


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory) -> Path:
    images = tmp_path_factory.mktemp("signals") / "Снимки"
    _many_copies(images)
    return images


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")


@needs_proc
def test_sigterm_ends_the_workers_and_the_next_scan_resumes(big_tree, tmp_path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "linkage", "scan", "--images", str(big_tree), "--out",
               str(out)]
    process, workers = _scan_with_workers(command)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    time.sleep(0.5)
    assert workers and not [w for w in workers if _alive(w)]
    state_dump(out / "linkage_state.sqlite")                  # readable, not damaged
    again = subprocess.run(command, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert b"instances: 30000" in again.stdout
    assert os.path.exists(out / "studies.csv")


@needs_proc
def test_ctrl_c_stops_the_job_and_its_workers_without_tracebacks(big_tree, tmp_path) -> None:
    command = [sys.executable, "-m", "linkage", "scan", "--images", str(big_tree), "--out",
               str(tmp_path / "out")]
    process, workers = _scan_with_workers(command)
    os.killpg(process.pid, signal.SIGINT)          # what Ctrl-C sends: the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr and b"KeyboardInterrupt" not in stderr, stderr
    assert stderr.decode().strip().splitlines() == [
        "linkage: interrupted; the state file keeps what was finished"]
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)]


@needs_proc
def test_workers_end_with_the_job_even_after_kill_9(big_tree, tmp_path) -> None:
    command = [sys.executable, "-m", "linkage", "scan", "--images", str(big_tree), "--out",
               str(tmp_path / "out")]
    process, workers = _scan_with_workers(command)
    process.kill()                                  # nothing of the job runs any more
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [w for w in workers if _alive(w)]:
        time.sleep(0.1)
    assert workers and not [w for w in workers if _alive(w)]
