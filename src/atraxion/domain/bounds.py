"""Bounds that every layer enforces alike, written once."""

MAX_ID = 2**63 - 1
"""The largest id or version: the databases' BIGINT. A larger one cannot exist and must not reach SQL."""

MAX_LIMIT = 1000
"""The largest page any list or feed answers (``limit``)."""
