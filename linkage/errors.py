"""The error types that mean "bad input" (one clear line), gathered for the CLI."""

from __future__ import annotations


def expected_errors() -> tuple[type[Exception], ...]:
    from linkage.job import JobError
    from linkage.outputs import OutputLocked
    from linkage.records.read import ExportError

    return (JobError, ExportError, OutputLocked, FileNotFoundError)
