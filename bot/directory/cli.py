"""Command line: python -m bot.directory import-roster|import-nppes PATH [--db-url URL] [--prune]

Prints the counts, then each rejected row (row number, column, reason) on stderr.
Exit status: 0 all rows imported or skipped; 1 some rows rejected (the others were
imported); 2 the file could not be imported at all (unreadable, bad header) or bad usage.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from bot.directory.db import DB_URL_ENV, DEFAULT_DB_URL, get_engine
from bot.directory.nppes import NppesFormatError, import_nppes
from bot.directory.roster import RosterFormatError, import_roster
from bot.directory.upsert import ImportReport

EXIT_OK, EXIT_REJECTED_ROWS, EXIT_FILE_ERROR = 0, 1, 2
IMPORTERS = {"import-roster": import_roster, "import-nppes": import_nppes}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.directory", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("import-roster", "import the operator roster CSV"),
                            ("import-nppes", "import an NPPES npidata_pfile CSV")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("path")
        command.add_argument("--db-url", help=f"SQLAlchemy URL (default: ${DB_URL_ENV} or {DEFAULT_DB_URL})")
        command.add_argument("--prune", action="store_true",
                             help="treat the file as complete: delete this source's providers not in it")
    return parser


def _print_report(report: ImportReport) -> None:
    print(report.summary())
    for reason, count in sorted(report.skip_reasons.items()):
        print(f"  skipped ({reason}): {count}")
    for what, count in sorted(report.fixes.items()):
        print(f"  kept, {what}: {count}")
    for rejection in report.rejections:
        print(f"rejected: {rejection}", file=sys.stderr)
    if report.rejected > len(report.rejections):
        print(f"... and {report.rejected - len(report.rejections)} more rejected rows", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        engine = get_engine(args.db_url)
        report = IMPORTERS[args.command](engine, args.path, prune=args.prune)
    except (RosterFormatError, NppesFormatError) as error:
        print(f"error: {args.path}: {error}", file=sys.stderr)
        return EXIT_FILE_ERROR
    _print_report(report)
    return EXIT_REJECTED_ROWS if report.rejected else EXIT_OK
