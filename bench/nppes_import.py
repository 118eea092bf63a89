"""NPPES importer: generated test files, a labelled fixture, timing and recall/precision.

    python -m bench.nppes_import labelled                 # rewrite the 2,000-row labelled fixture
    python -m bench.nppes_import generate 1000000 FILE    # a timing file (not committed: ~1.2 GB)
    python -m bench.nppes_import time importer|baseline|reader FILE
    python -m bench.nppes_import score                    # recall/precision on the labelled fixture

Rows use the real 330-column NPPES header (taken from tests/fixtures/directory/
npidata_pfile_fixture.csv), quote every field as CMS does, and are seeded, so a run is
reproducible. `time` prints one JSON line: rows, wall and CPU seconds (process_time: what
the process itself used, less sensitive to other load on the machine), rows per second of
each, and peak RSS (MB, from getrusage; the figure `/usr/bin/time -v` calls "Maximum
resident set size") of one of three readers of the same file into a fresh SQLite database:
  importer  bot.directory.import_nppes of the `bot` package first on sys.path: `python -m`
            puts the current directory first, so time an older commit from a `git
            archive` of its bot/ and bench/, with that as the current directory;
  baseline  plain csv.reader + the same taxonomy-code filter + SQLAlchemy Core
            insert().executemany of the raw fields in 10,000-row batches, no checks;
  reader    csv.reader alone (reads every row, does nothing with it).
`score` imports the labelled fixture with `bot.directory.import_nppes` and compares the
NPIs it stored with the labels (outcome "kept").
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "directory"
HEADER_SOURCE = FIXTURES / "npidata_pfile_fixture.csv"
LABELLED = FIXTURES / "npidata_pfile_labelled.csv"
LABELS = FIXTURES / "npidata_pfile_labelled_expected.csv"
LABEL_FIELDS = ["npi", "outcome", "reason", "primary_taxonomy", "mental_health_primary",
                "clinician_role", "fix"]

PLACES = [  # city, state, ZIP+4, area code
    ("NEW YORK", "NY", "100011234", "212"), ("COLUMBUS", "OH", "43215", "614"),
    ("LOS ANGELES", "CA", "900121234", "213"), ("CHICAGO", "IL", "60601", "312"),
    ("HOUSTON", "TX", "77002", "713"), ("PHOENIX", "AZ", "85004", "602"),
    ("PHILADELPHIA", "PA", "19103", "215"), ("KANSAS CITY", "MO", "64105", "816"),
    ("PORTLAND", "OR", "97204", "503"), ("BOSTON", "MA", "02108", "617"),
    ("SEATTLE", "WA", "98101", "206"), ("DENVER", "CO", "80202", "303"),
    ("ATLANTA", "GA", "30303", "404"), ("MIAMI", "FL", "331301234", "305"),
    ("MINNEAPOLIS", "MN", "55401", "612"),
]
STATE_WORDS = {"NY": "NEW YORK", "OH": "OHIO", "CA": "CALIFORNIA", "IL": "ILLINOIS",
               "TX": "TEXAS", "AZ": "ARIZONA", "PA": "PENNSYLVANIA", "MO": "MISSOURI",
               "OR": "OREGON", "MA": "MASSACHUSETTS", "WA": "WASHINGTON", "CO": "COLORADO",
               "GA": "GEORGIA", "FL": "FLORIDA", "MN": "MINNESOTA"}
FIRST = ["JANE", "JOHN", "MARIA", "DAVID", "AISHA", "WEI", "CARLOS", "EMILY", "OMAR", "GRACE"]
LAST = ["SMITH", "GARCIA", "NGUYEN", "O'NEIL", "JOHNSON", "PATEL", "KIM", "BROWN", "LOPEZ",
        "WASHINGTON", "MILLER", "DAVIS"]
CREDENTIALS = {"therapist": ["LCSW", "LMFT", "LPC", "PH.D.", "PSY.D.", "LMHC", "M.S.W."],
               "prescriber": ["M.D.", "D.O.", "PMHNP-BC", "APRN"]}
# Codes of other professions, common in NPPES (NUCC 25.1): family medicine, internal
# medicine, general dentist, registered nurse, physical therapist, pharmacist,
# chiropractor, family nurse practitioner, physician assistant, emergency medicine.
OTHER_CODES = ["207Q00000X", "207R00000X", "1223G0001X", "163W00000X", "225100000X",
               "183500000X", "111N00000X", "363LF0000X", "363A00000X", "207P00000X"]
# Not treated as psychotherapy (taxonomy.yml role none), but close enough to get wrong.
EXCLUDED_NEARBY = ["101YS0200X", "103K00000X", "2084P0804X", "104100000X", "163WP0808X",
                   "103TC2200X", "106S00000X", "2084B0040X"]


def read_header() -> list[str]:
    with open(HEADER_SOURCE, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def npi_with_check_digit(base9: int) -> str:
    """A 10-digit NPI: 9 digits + the Luhn check digit over "80840" + them."""
    digits = "80840" + str(base9)
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:  # doubled: the check digit will sit to the right
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return f"{base9}{(10 - total % 10) % 10}"


class RowMaker:
    """Builds NPPES rows as lists of 330 strings, from scenario keywords."""

    def __init__(self, seed: int) -> None:
        from bot.directory.taxonomy import PRESCRIBER_CODES, PSYCHOTHERAPY_CODES

        self.random = random.Random(seed)
        self.header = read_header()
        self.position = {name: i for i, name in enumerate(self.header)}
        self.next_base = 100_000_000 + seed * 1_000_000
        self.therapist_codes = sorted(PSYCHOTHERAPY_CODES - PRESCRIBER_CODES)
        self.prescriber_codes = sorted(PRESCRIBER_CODES)
        self.round_robin = 0

    def next_npi(self) -> str:
        self.next_base += 1
        return npi_with_check_digit(self.next_base)

    def psychotherapy_code(self) -> str:
        codes = self.therapist_codes + self.prescriber_codes
        self.round_robin += 1
        return codes[self.round_robin % len(codes)]

    def row(self, codes: list[str], primary: int | None = 0, entity: str = "1",
            **overrides: str) -> list[str]:
        """A row with `codes` in taxonomy slots 1.., slot `primary` switched Y (None: all X)."""
        r = self.random
        values = [""] * len(self.header)

        def put(column: str, value: str) -> None:
            values[self.position[column]] = value

        city, state, zip_code, area = r.choice(PLACES)
        npi = self.next_npi()
        role = "prescriber" if set(codes) & set(self.prescriber_codes) else "therapist"
        put("NPI", npi)
        put("Entity Type Code", entity)
        if entity == "1":
            put("Provider Last Name (Legal Name)", r.choice(LAST))
            put("Provider First Name", r.choice(FIRST))
            put("Provider Middle Name", r.choice(["", "A", "LEE"]))
            put("Provider Credential Text", r.choice(CREDENTIALS[role]))
            put("Provider Sex Code", r.choice("FM"))
            put("Is Sole Proprietor", r.choice("YNX"))
        else:
            put("Provider Organization Name (Legal Business Name)", "SAMPLE COUNSELING GROUP LLC")
            put("Authorized Official Last Name", r.choice(LAST))
            put("Authorized Official First Name", r.choice(FIRST))
            put("Authorized Official Telephone Number", f"{area}5550{r.randrange(100, 999)}")
        street = f"{r.randrange(1, 9999)} SAMPLE ST"
        for kind in ("Mailing", "Practice Location"):
            first_line = ("Provider First Line Business Mailing Address" if kind == "Mailing"
                          else "Provider First Line Business Practice Location Address")
            put(first_line, street)
            put(f"Provider Business {kind} Address City Name", city)
            put(f"Provider Business {kind} Address State Name", state)
            put(f"Provider Business {kind} Address Postal Code", zip_code)
            put(f"Provider Business {kind} Address Country Code (If outside U.S.)", "US")
            put(f"Provider Business {kind} Address Telephone Number",
                f"{area}555{r.randrange(1000, 9999)}")
        put("Provider Second Line Business Practice Location Address", r.choice(["", "SUITE 200"]))
        put("Provider Enumeration Date", "05/23/2005")
        put("Last Update Date", "07/08/2021")
        put("Certification Date", r.choice(["", "03/01/2024"]))
        for slot, code in enumerate(codes, start=1):
            put(f"Healthcare Provider Taxonomy Code_{slot}", code)
            put(f"Provider License Number_{slot}", f"LIC{r.randrange(10000, 99999)}")
            put(f"Provider License Number State Code_{slot}", state)
            switch = "X" if primary is None else ("Y" if slot - 1 == primary else "N")
            put(f"Healthcare Provider Primary Taxonomy Switch_{slot}", switch)
        for n in (1, 2):
            put(f"Other Provider Identifier_{n}", f"{r.randrange(10**6, 10**7)}")
            put(f"Other Provider Identifier Type Code_{n}", "05")
            put(f"Other Provider Identifier State_{n}", state)
        for column, value in overrides.items():
            put(column, value)
        return values


def labelled_rows(maker: RowMaker) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The 2,000 labelled rows, each with what a correct importer does with it."""
    r = maker.random
    col = {  # short names for the columns scenarios change
        "state": "Provider Business Practice Location Address State Name",
        "country": "Provider Business Practice Location Address Country Code (If outside U.S.)",
        "phone": "Provider Business Practice Location Address Telephone Number",
        "zip": "Provider Business Practice Location Address Postal Code",
        "license": "Provider License Number State Code_1",
        "deactivated": "NPI Deactivation Date", "reactivated": "NPI Reactivation Date",
        "last": "Provider Last Name (Legal Name)",
    }

    def make(codes, outcome, reason="", primary=0, role=None, mh=True, fix="", **changes):
        values = maker.row(codes, primary=primary, **{k: v for k, v in changes.items()
                                                      if k == "entity"})
        for short, value in changes.items():
            if short != "entity":
                values[maker.position[col[short]]] = value
        shown_primary = codes[primary] if primary is not None else (
            codes[0] if len(codes) == 1 else "")
        label = {"npi": values[0], "outcome": outcome, "reason": reason, "fix": fix,
                 "primary_taxonomy": shown_primary if outcome == "kept" else "",
                 "mental_health_primary": str(mh) if outcome == "kept" else "",
                 "clinician_role": (role or "") if outcome == "kept" else ""}
        return values, label

    def clinician_role(code: str) -> str:
        return "prescriber" if code in maker.prescriber_codes else "therapist"

    rows = []
    for i in range(680):  # other professions, some with codes close to psychotherapy
        code = r.choice(EXCLUDED_NEARBY if i < 160 else OTHER_CODES)
        extra = [r.choice(OTHER_CODES)] if i % 5 == 0 else []
        rows.append(make([code, *extra], "skipped", "no psychotherapy taxonomy"))
    for i in range(800):  # psychotherapy clinicians, every code in turn
        code = maker.psychotherapy_code()
        extra = ([maker.psychotherapy_code()] if i % 10 == 0 else
                 [r.choice(OTHER_CODES)] if i % 10 == 1 else [])
        rows.append(make([code, *extra], "kept", role=clinician_role(code)))
    for _ in range(80):  # another profession is primary, a psychotherapy code secondary
        code = maker.psychotherapy_code()
        rows.append(make([r.choice(OTHER_CODES), code], "kept", primary=0,
                         role=clinician_role(code), mh=False))
    for i in range(40):  # several codes, none switched primary
        code = maker.psychotherapy_code()
        other = maker.psychotherapy_code() if i % 2 else r.choice(OTHER_CODES)
        rows.append(make([code, other], "kept", primary=None, role=clinician_role(code),
                         mh=other not in OTHER_CODES))
    for _ in range(60):
        rows.append(make([maker.psychotherapy_code()], "skipped", "organisation", entity="2"))
    for _ in range(50):
        rows.append(make([maker.psychotherapy_code()], "skipped", "deactivated NPI",
                         deactivated="02/01/2021"))
    for _ in range(20):
        code = maker.psychotherapy_code()
        rows.append(make([code], "kept", role=clinician_role(code),
                         deactivated="02/01/2021", reactivated="03/15/2021"))
    for _ in range(40):
        rows.append(make([maker.psychotherapy_code()], "skipped", "practice outside the US",
                         country="CA", state="ON", zip="M5V2T6"))
    for _ in range(40):
        rows.append(make([maker.psychotherapy_code()], "skipped", "no practice phone", phone=""))
    for _ in range(20):
        rows.append(make([maker.psychotherapy_code()], "skipped", "military mail address",
                         state="AE"))
    odd = [  # kept; the field is normalised or blanked
        ("state FM/MH/PW", lambda: {"state": r.choice(["FM", "MH", "PW"])}),
        ("phone of 14 digits", lambda: {"phone": f"2125550{r.randrange(100, 999)}1234"}),
        ("bad licence state", lambda: {"license": r.choice(["XX", "99", "ZZ"])}),
        ("state written out", lambda: {"state": r.choice(list(STATE_WORDS.values()))}),
    ]
    for fix, change in odd:
        for _ in range(30):
            code = maker.psychotherapy_code()
            rows.append(make([code], "kept", role=clinician_role(code), fix=fix, **change()))
    for _ in range(20):
        code = maker.psychotherapy_code()
        rows.append(make([code], "kept", role=clinician_role(code), fix="bad ZIP",
                         zip=r.choice(["787", "ABCDE", "1234567"])))
    for _ in range(10):
        rows.append(make([maker.psychotherapy_code()], "skipped",
                         "practice state not a US state or territory", state="ZZ"))
    for _ in range(10):
        values, label = make([maker.psychotherapy_code()], "rejected", "NPI check digit")
        values[0] = values[0][:9] + str((int(values[0][9]) + 1) % 10)
        label["npi"] = values[0]
        rows.append((values, label))
    for _ in range(10):
        rows.append(make([maker.psychotherapy_code()], "rejected", "no last name", last=""))
    r.shuffle(rows)
    return iter(rows)


def timing_rows(maker: RowMaker, count: int) -> Iterator[list[str]]:
    """A mix like the real file: ~11% psychotherapy individuals, ~20% organisations,
    ~3% bare deactivated rows, the rest other professions; odd fields in ~1% of rows."""
    r = maker.random
    for _ in range(count):
        draw = r.random()
        if draw < 0.11:
            code = maker.psychotherapy_code()
            values = maker.row([code, r.choice(OTHER_CODES)] if draw < 0.01 else [code])
            if draw < 0.001:
                values[maker.position["Provider Business Practice Location Address State Name"]] \
                    = "CALIFORNIA"
        elif draw < 0.31:
            values = maker.row([r.choice(["261QM0801X", "193200000X", "332B00000X"])], entity="2")
        elif draw < 0.34:
            values = [""] * len(maker.header)
            values[0] = maker.next_npi()
            values[maker.position["NPI Deactivation Date"]] = "05/01/2019"
        else:
            values = maker.row([r.choice(OTHER_CODES)])
        yield values


def write_csv(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_reader(path: Path) -> int:
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def time_baseline(path: Path, engine) -> int:
    from sqlalchemy import insert

    from bot.directory.models import providers
    from bot.directory.nppes import (
        COL_CITY, COL_CREDENTIAL, COL_FIRST, COL_LAST, COL_NPI, COL_PHONE, COL_POSTAL,
        COL_STATE, COL_TAXONOMY)
    from bot.directory.taxonomy import PSYCHOTHERAPY_CODES

    now = __import__("datetime").datetime.now()
    rows = 0
    batch: list[dict] = []
    with open(path, newline="", encoding="utf-8", errors="replace") as handle, \
            engine.begin() as conn:
        reader = csv.reader(handle)
        header = next(reader)
        at = {name: i for i, name in enumerate(header)}
        taxonomy = [at[c] for c in COL_TAXONOMY]
        for values in reader:
            rows += 1
            if PSYCHOTHERAPY_CODES.isdisjoint([values[i] for i in taxonomy]):
                continue
            batch.append({
                "source": "nppes", "source_key": values[at[COL_NPI]],
                "name": f"{values[at[COL_FIRST]]} {values[at[COL_LAST]]}",
                "credentials": values[at[COL_CREDENTIAL]], "phone": values[at[COL_PHONE]],
                "city": values[at[COL_CITY]], "state": values[at[COL_STATE]][:2],
                "postal_code": values[at[COL_POSTAL]][:5], "updated_at": now,
            })
            if len(batch) == 10_000:
                conn.execute(insert(providers), batch)
                batch.clear()
        if batch:
            conn.execute(insert(providers), batch)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("labelled")
    generate = commands.add_parser("generate")
    generate.add_argument("rows", type=int)
    generate.add_argument("path", type=Path)
    timed = commands.add_parser("time")
    timed.add_argument("reader", choices=["importer", "baseline", "reader"])
    timed.add_argument("path", type=Path)
    commands.add_parser("score")
    args = parser.parse_args(argv)

    if args.command == "labelled":
        maker = RowMaker(seed=12)
        rows = list(labelled_rows(maker))
        write_csv(LABELLED, maker.header, (values for values, _ in rows))
        with open(LABELS, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, LABEL_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(label for _, label in rows)
        print(f"wrote {len(rows)} rows to {LABELLED} and labels to {LABELS}")
        return 0
    if args.command == "generate":
        maker = RowMaker(seed=1)
        write_csv(args.path, maker.header, timing_rows(maker, args.rows))
        return 0

    from bot.directory import get_engine, import_nppes

    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/directory.db")
        if args.command == "score":
            report = import_nppes(engine, LABELLED)
            with engine.connect() as conn:
                stored = set(conn.exec_driver_sql("SELECT source_key FROM providers").scalars())
            with open(LABELS, newline="", encoding="utf-8") as handle:
                kept = {row["npi"] for row in csv.DictReader(handle) if row["outcome"] == "kept"}
            hits = len(stored & kept)
            print(json.dumps({"kept_labelled": len(kept), "stored": len(stored), "correct": hits,
                              "recall": round(hits / len(kept), 4),
                              "precision": round(hits / len(stored), 4) if stored else None,
                              "rejected": report.rejected,
                              "exit_status": 1 if report.rejected else 0}))
            return 0
        start, cpu_start = time.perf_counter(), time.process_time()
        if args.reader == "reader":
            rows = time_reader(args.path)
        elif args.reader == "baseline":
            rows = time_baseline(args.path, engine)
        else:
            report = import_nppes(engine, args.path)
            rows = (report.inserted + report.updated + report.unchanged + report.skipped
                    + report.rejected)
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    print(json.dumps({"reader": args.reader, "rows": rows, "seconds": round(seconds, 2),
                      "cpu_seconds": round(cpu_seconds, 2), "rows_per_s": round(rows / seconds),
                      "rows_per_cpu_s": round(rows / cpu_seconds),
                      "peak_rss_mb": round(peak_rss_mb(), 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
