"""Index -> Compare -> Score -> Decide, over the two identity tables.

The stages live in their own modules (blocking, comparisons, scoring, status);
`linkage.link.pipeline.link` wires them. This package file imports nothing, so
that importing the statuses (link.status) does not load recordlinkage.
"""
