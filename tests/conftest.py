"""Shared, real test data: a synthetic «Снимки» tree and export made once per session."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from linkage.synth import SynthResult, generate


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> SynthResult:
    """80 persons: every kind of mess docs/architecture.md lists, with the truth."""
    return generate(tmp_path_factory.mktemp("synth") / "data", persons=80, seed=11)


def tree_digest(root: Path) -> dict[str, str]:
    """Path -> (size, mtime, sha1): what "byte for byte unchanged" means."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(root).as_posix()] = \
                f"{st.st_size}:{st.st_mtime_ns}:{hashlib.sha1(path.read_bytes()).hexdigest()}"
        else:
            out[path.relative_to(root).as_posix() + "/"] = "dir"
    return out


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m linkage ...` in a fresh process, as a user runs it."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "linkage", *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=cwd, env=env, timeout=600)


def libreoffice_pdf(sheet: Path, work: Path) -> Path:
    """Open a workbook in a real spreadsheet (LibreOffice, headless) and print it to PDF:
    what "Excel-like software opens it" means in tests."""
    result = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{work / 'lo'}",
         "--convert-to", "pdf", "--outdir", str(work), str(sheet)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pdf = work / (sheet.stem + ".pdf")
    assert pdf.exists() and pdf.read_bytes()[:4] == b"%PDF"
    return pdf
