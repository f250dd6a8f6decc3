"""The record of backups taken and signed digests issued, kept in the database they describe
(not a projection: it is not rebuilt from the log, and its own MetaData keeps it out of
projection rebuilds)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, Text

ops_metadata = MetaData()

backups = Table(
    "ops_backups",
    ops_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("taken_at", String(40), nullable=False),
    Column("file", Text, nullable=False),
    Column("head_position", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("signed", Boolean, nullable=False),
)

digests = Table(
    "ops_digests",
    ops_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issued_at", String(40), nullable=False),
    Column("head_position", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("public_key", Text, nullable=False),
)
