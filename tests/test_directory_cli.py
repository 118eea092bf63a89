import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.directory import get_engine
from bot.directory.cli import EXIT_FILE_ERROR, EXIT_OK, EXIT_REJECTED_ROWS, main
from bot.directory.models import providers

FIXTURES = Path(__file__).parent / "fixtures" / "directory"


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'nested' / 'directory.db'}"


def count(db_url):
    with get_engine(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(providers)).scalar_one()


def test_good_roster_exits_zero_and_prints_counts(db_url, capsys):
    assert main(["import-roster", str(FIXTURES / "roster_good.csv"), "--db-url", db_url]) == EXIT_OK
    assert "inserted=3 updated=0 unchanged=0" in capsys.readouterr().out
    assert count(db_url) == 3


def test_rejected_rows_exit_one_and_list_rejections(db_url, capsys):
    code = main(["import-roster", str(FIXTURES / "roster_bad_rows.csv"), "--db-url", db_url])
    assert code == EXIT_REJECTED_ROWS
    err = capsys.readouterr().err
    assert "rejected: row 8, column 'approaches': unknown code 'cbt'" in err
    assert count(db_url) == 1


def test_file_error_exits_two(db_url, capsys):
    code = main(["import-roster", str(FIXTURES / "roster_missing_column.csv"), "--db-url", db_url])
    assert code == EXIT_FILE_ERROR
    assert "missing required column(s): state" in capsys.readouterr().err
    code = main(["import-nppes", str(FIXTURES / "npidata_pfile_missing_column.csv"), "--db-url", db_url])
    assert code == EXIT_FILE_ERROR


def test_nppes_import_prints_skip_reasons(db_url, capsys):
    code = main(["import-nppes", str(FIXTURES / "npidata_pfile_fixture.csv"), "--db-url", db_url])
    assert code == EXIT_REJECTED_ROWS  # the fixture has deliberately bad rows
    assert "skipped (organisation): 1" in capsys.readouterr().out


def test_db_url_comes_from_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("DIRECTORY_DB_URL", url)
    assert main(["import-roster", str(FIXTURES / "roster_good.csv")]) == EXIT_OK
    assert count(url) == 3


def test_usage_error_exits_two():
    with pytest.raises(SystemExit) as exit_info:
        main(["import-everything"])
    assert exit_info.value.code == 2


def test_module_entry_point_returns_exit_status(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bot.directory", "import-roster",
         str(FIXTURES / "roster_bad_rows.csv"), "--db-url", f"sqlite:///{tmp_path / 'd.db'}"],
        capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=60)
    assert result.returncode == EXIT_REJECTED_ROWS
    assert "inserted=1" in result.stdout


def test_default_database_is_var_directory_db(tmp_path, monkeypatch):
    monkeypatch.delenv("DIRECTORY_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["import-roster", str(FIXTURES / "roster_good.csv")]) == EXIT_OK
    assert (tmp_path / "var" / "directory.db").is_file()


def test_nppes_file_with_odd_fields_and_no_broken_rows_exits_zero(db_url, tmp_path, capsys):
    """FM/MH/PW states, 14-digit phones, bad licence states and "CALIFORNIA" keep their rows."""
    labelled = FIXTURES / "npidata_pfile_labelled.csv"
    with open(FIXTURES / "npidata_pfile_labelled_expected.csv", newline="") as handle:
        outcome = {row["npi"]: row["outcome"] for row in csv.DictReader(handle)}
    lines = labelled.read_text().splitlines(keepends=True)
    path = tmp_path / "npidata_pfile_odd.csv"
    path.write_text(lines[0] + "".join(
        line for line in lines[1:] if outcome[line[1:11]] != "rejected"))
    assert main(["import-nppes", str(path), "--db-url", db_url]) == EXIT_OK
    out = capsys.readouterr().out
    assert "inserted=1080 " in out and "fields_fixed=140" in out
    for line in ("kept, state written as a name, replaced by its code: 30",
                 "kept, state FM/MH/PW (freely associated state) kept as is: 30",
                 "kept, phone longer than 10 digits, first 10 kept: 30",
                 "kept, licence state not a US state, dropped: 30",
                 "kept, ZIP not 5 or 9 digits, blanked: 20"):
        assert line in out
