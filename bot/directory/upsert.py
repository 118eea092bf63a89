"""Idempotent batched upsert of ProviderRecords keyed by (source, source_key), and the
counts an import reports."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine

from bot.directory.models import DATA_COLUMNS, ProviderRecord, providers

MAX_REJECTION_DETAILS = 1000


@dataclass(frozen=True)
class RowRejection:
    row: int  # as numbered in the file, header = row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.reason}"


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    removed: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    # Fields blanked or normalised in rows that were kept, by what was done.
    fixes: Counter = field(default_factory=Counter)
    rejections: list[RowRejection] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] += 1

    def fix(self, what: str) -> None:
        self.fixes[what] += 1

    def reject(self, rejection: RowRejection) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REJECTION_DETAILS:
            self.rejections.append(rejection)

    def summary(self) -> str:
        return (
            f"inserted={self.inserted} updated={self.updated} unchanged={self.unchanged} "
            f"skipped={self.skipped} rejected={self.rejected} removed={self.removed} "
            f"fields_fixed={sum(self.fixes.values())}"
        )


class ProviderWriter:
    """Collects records and writes them in batches, one transaction per batch.

    A key seen twice in one import keeps its last record. With `prune`, `finish()`
    deletes this source's providers whose key was neither written nor protected
    (see `protect`), so a full file replaces the previous import.
    """

    def __init__(self, engine: Engine, source: str, report: ImportReport,
                 prune: bool = False, batch_size: int = 500) -> None:
        self._engine = engine
        self._source = source
        self._report = report
        self._batch: dict[str, ProviderRecord] = {}
        self._batch_size = batch_size
        self._seen: set[str] | None = set() if prune else None

    def add(self, record: ProviderRecord) -> None:
        if record.source != self._source:
            raise ValueError(f"record from {record.source!r} given to a {self._source!r} writer")
        self._batch[record.source_key] = record
        self.protect(record.source_key)
        if len(self._batch) >= self._batch_size:
            self._flush()

    def protect(self, source_key: str) -> None:
        """Keep this key's existing row when pruning (e.g. its new row was rejected)."""
        if self._seen is not None:
            self._seen.add(source_key)

    def finish(self) -> None:
        self._flush()
        if self._seen is not None:
            self._prune(self._seen)

    def _flush(self) -> None:
        if not self._batch:
            return
        now = datetime.now(timezone.utc)
        key_col = providers.c.source_key
        with self._engine.begin() as conn:
            existing = {
                row.source_key: row
                for row in conn.execute(
                    select(providers).where(
                        providers.c.source == self._source, key_col.in_(list(self._batch))
                    )
                )
            }
            inserts, updates = [], []
            for key, record in self._batch.items():
                values = record.as_row()
                old = existing.get(key)
                if old is None:
                    inserts.append({**values, "updated_at": now})
                elif any(getattr(old, col) != values[col] for col in DATA_COLUMNS):
                    updates.append({**values, "updated_at": now, "b_key": key})
                else:
                    self._report.unchanged += 1
            if inserts:
                conn.execute(insert(providers), inserts)
            if updates:
                conn.execute(
                    update(providers)
                    .where(and_(providers.c.source == self._source,
                                key_col == bindparam("b_key"))),
                    updates,
                )
        self._report.inserted += len(inserts)
        self._report.updated += len(updates)
        self._batch.clear()

    def _prune(self, keep: set[str]) -> None:
        with self._engine.begin() as conn:
            stale = [
                key for key in conn.execute(
                    select(providers.c.source_key).where(providers.c.source == self._source)
                ).scalars()
                if key not in keep
            ]
            for start in range(0, len(stale), self._batch_size):
                chunk = stale[start:start + self._batch_size]
                conn.execute(delete(providers).where(and_(
                    providers.c.source == self._source, providers.c.source_key.in_(chunk))))
        self._report.removed += len(stale)
