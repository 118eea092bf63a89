"""Idempotent batched upsert of ProviderRecords keyed by (source, source_key), and the
counts an import reports."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any, Callable, Sequence

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

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


class _BulkInsert:
    """INSERT of many providers rows through the driver's executemany.

    SQLAlchemy 1.4's `conn.execute(insert(...), rows)` spends most of its time building
    each row's parameters; here the statement is compiled once and each column's own
    bind processor (sets to "|a|b|", booleans, datetimes) is applied to the values, so
    the stored values are the same as through SQLAlchemy. A processor runs once per
    distinct value object in a batch: most rows share the same objects (the empty set
    of "not listed", the batch's timestamp, None, True, False).
    """

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        columns = [c for c in providers.columns if c.name != "id"]
        compiled = insert(providers).compile(dialect=dialect, column_keys=[c.name for c in columns])
        self.sql = str(compiled)
        self.names = list(compiled.positiontup) if compiled.positional else [c.name for c in columns]
        self.positional = compiled.positional
        self.values = itemgetter(*self.names)
        processors = {c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns}
        self.processors = [(i, processors[name]) for i, name in enumerate(self.names)
                           if processors[name] is not None]

    def run(self, conn, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = list(zip(*map(self.values, rows)))
        for i, process in self.processors:
            columns[i] = _processed(columns[i], process)
        if self.positional:
            params: list[Any] = list(zip(*columns))
        else:
            params = [dict(zip(self.names, values)) for values in zip(*columns)]
        conn.exec_driver_sql(self.sql, params)


def _processed(values: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    """[process(value) for value in values], calling process once per distinct object:
    `values` keeps every object alive, so an id() names one object for the whole call."""
    distinct = dict(zip(map(id, values), values))
    done = {key: process(value) for key, value in distinct.items()}
    return list(map(done.__getitem__, map(id, values)))


class ProviderWriter:
    """Collects rows and writes them in batches, one transaction per batch.

    A row is a dict with every column of DATA_COLUMNS (`ProviderRecord.as_row()`, or
    built directly by a bulk importer). A key seen twice in one import keeps its last
    row. With `prune`, `finish()` deletes this source's providers whose key was neither
    written nor protected (see `protect`), so a full file replaces the previous import.
    """

    def __init__(self, engine: Engine, source: str, report: ImportReport,
                 prune: bool = False, batch_size: int = 500) -> None:
        self._engine = engine
        self._source = source
        self._report = report
        self._batch: dict[str, dict[str, Any]] = {}
        self._batch_size = batch_size
        self._seen: set[str] | None = set() if prune else None
        self._insert = _BulkInsert(engine)
        # While the source had no rows when the import began, a batch is inserted without
        # looking its keys up: only a key repeated from an earlier batch can already be
        # there, and then the unique constraint refuses the batch and it is looked up.
        self._insert_first = not self._source_has_rows()

    def add(self, record: ProviderRecord) -> None:
        self.add_row(record.as_row())

    def add_row(self, row: dict[str, Any]) -> None:
        if row["source"] != self._source:
            raise ValueError(f"row from {row['source']!r} given to a {self._source!r} writer")
        key = row["source_key"]
        self._batch[key] = row
        self.protect(key)
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

    def _source_has_rows(self) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(select(providers.c.id).where(
                providers.c.source == self._source).limit(1)).first() is not None

    def _flush(self) -> None:
        if not self._batch:
            return
        now = datetime.now(timezone.utc)
        if not (self._insert_first and self._insert_new(now)):
            self._upsert(now)
        self._batch.clear()

    def _insert_new(self, now: datetime) -> bool:
        """Insert the batch as new rows; False, with nothing written, if a key exists."""
        rows = list(self._batch.values())
        for values in rows:
            values["updated_at"] = now
        try:
            with self._engine.begin() as conn:
                self._insert.run(conn, rows)
        except IntegrityError:
            return False
        self._report.inserted += len(rows)
        return True

    def _upsert(self, now: datetime) -> None:
        """Insert the batch's new keys, update its changed ones, count the unchanged."""
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
            for key, values in self._batch.items():
                old = existing.get(key)
                if old is None:
                    values["updated_at"] = now
                    inserts.append(values)
                elif any(getattr(old, col) != values[col] for col in DATA_COLUMNS):
                    updates.append({**values, "updated_at": now, "b_key": key})
                else:
                    self._report.unchanged += 1
            if inserts:
                self._insert.run(conn, inserts)
            if updates:
                conn.execute(
                    update(providers)
                    .where(and_(providers.c.source == self._source,
                                key_col == bindparam("b_key"))),
                    updates,
                )
        self._report.inserted += len(inserts)
        self._report.updated += len(updates)

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
