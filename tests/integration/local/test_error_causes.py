"""Errors that name the real cause in one line: a file's encoding and the line of its bad record, dbt's own
message, a missing export, an unreachable Mailchimp or a key without its data center, doctor's fixes."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from support.projects import DemoProject, make_project

HEADER = "id,webinar_id,email,first_name,last_name,create_time"


def zoom_rows(count: int, start: int = 1) -> list[str]:
    return [f"e{i},81000000001,p{i}@example.com,Ann,Lee,2026-01-01T10:00:00Z" for i in range(start, start + count)]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    return make_project(tmp_path_factory.mktemp("causes"), rows=200, zoom_files=["exports/zoom/*"])


@pytest.fixture
def extra(project: DemoProject) -> Iterator[Path]:
    """A folder of extra Zoom exports for one test (removed afterwards; its files match zoom_files)."""
    folder = project.exports / "zoom"
    before = set(folder.iterdir())
    yield folder
    for path in set(folder.iterdir()) - before:
        path.unlink()


@pytest.fixture
def config(project: DemoProject) -> Iterator[Path]:
    path = project.project / "tapestry.yml"
    original = path.read_text()
    yield path
    path.write_text(original)


def _error(project: DemoProject, *args: str, code: int = 1) -> str:
    result = project.cli(*args, "--project", "project")
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("warning:")]
    assert result.returncode == code, result.stdout + result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def piped(project: DemoProject, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in project.cli.env.items() if k != "COLUMNS"}
    return subprocess.run(
        [sys.executable, "-m", "tapestry", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _registrant_names(project: DemoProject, ids: list[str]) -> dict[str, str]:
    with duckdb.connect(str(project.warehouse), read_only=True) as con:
        rows = con.execute(
            f"select id, first_name from zoom.webinar_registrants where id in ({', '.join('?' * len(ids))})", ids
        ).fetchall()
    return dict(rows)


@pytest.mark.parametrize(
    ("codec", "guess", "line"),
    [("cp1252", "cp1252", 4), ("utf-16", "utf-16", 1)],
)
def test_a_csv_that_is_not_utf8_says_so_and_loads_with_its_encoding(
    project: DemoProject, extra: Path, config: Path, codec: str, guess: str, line: int
) -> None:
    rows = [HEADER, *zoom_rows(2, start=1), f"z{codec[:3]},81000000001,zoe@example.com,Zoë,Ölund,2026-01-01T10:00:00Z"]
    name = f"export_{codec}.csv"
    (extra / name).write_bytes(("\n".join(rows) + "\n").encode(codec))
    error = _error(project, "run")
    assert f"{name} line {line}: not UTF-8 text" in error
    assert f"sources.zoom.encoding: {guess}" in error and "iconv" in error

    config.write_text(config.read_text().replace("  zoom:\n", f"  zoom:\n    encoding: {codec}\n", 1))
    project.cli.ok("run", "--project", "project")
    assert _registrant_names(project, [f"z{codec[:3]}"]) == {f"z{codec[:3]}": "Zoë"}


def test_an_unknown_encoding_is_a_config_error(project: DemoProject, config: Path) -> None:
    config.write_text(config.read_text().replace("  zoom:\n", "  zoom:\n    encoding: klingon\n", 1))
    assert "sources.zoom.encoding" in _error(project, "status", code=2)


def test_the_line_number_is_the_bad_records_line_in_the_file(project: DemoProject, extra: Path) -> None:
    rows = [HEADER, *zoom_rows(3, start=10)]
    rows[2] = 'e11,81000000001,p11@example.com,"Ann\nMarie",Lee,2026-01-01T10:00:00Z'  # one record, two lines
    rows.append("e13,81000000001,p13@example.com,Ann,Lee,last tuesday")  # line 6
    (extra / "multiline.csv").write_text("\n".join(rows) + "\n")
    assert "multiline.csv: column 'create_time' has 'last tuesday' on line 6," in _error(project, "run")
    (extra / "multiline.csv").unlink()

    # a large file is read in parallel: the line must still be the first bad one in file order
    big = [HEADER, *zoom_rows(200_000, start=100)]
    big[150_000] = big[150_000].replace("2026-01-01T10:00:00Z", "soon")
    big[190_000] = big[190_000].replace("2026-01-01T10:00:00Z", "later")
    (extra / "big.csv").write_text("\n".join(big) + "\n")
    assert "big.csv: column 'create_time' has 'soon' on line 150001," in _error(project, "run")


def test_a_row_with_a_field_too_many_or_too_few_is_named_by_its_line(project: DemoProject, extra: Path) -> None:
    """DuckDB's dialect sniffing, given such a row among its first rows, read the whole file as one column and the
    error blamed the header ("column 'id' is missing")."""
    rows = [HEADER, *zoom_rows(5, start=20)]
    rows[3] += ",an unquoted, comma"
    (extra / "extra_field.csv").write_text("\n".join(rows) + "\n")
    assert "extra_field.csv line 4: more fields than the header's 6. Fix: quote values" in _error(project, "run")
    (extra / "extra_field.csv").unlink()
    rows = [HEADER, *zoom_rows(5, start=20)]
    rows[5] = "e24,81000000001,p24@example.com"
    (extra / "short.csv").write_text("\n".join(rows) + "\n")
    assert "short.csv line 6: 3 fields where the header has 6" in _error(project, "run")


def test_a_header_with_a_column_twice_is_refused(project: DemoProject, extra: Path) -> None:
    (extra / "twice.csv").write_text(HEADER.replace("first_name", "email") + "\n" + zoom_rows(1, start=30)[0] + "\n")
    assert "twice.csv: column 'email' appears twice in the header" in _error(project, "run")


def test_a_json_lines_syntax_error_is_named_by_its_own_line(project: DemoProject, extra: Path) -> None:
    good = (
        '{"id": "j%d", "webinar_id": "81000000001", "email": "j%d@example.com", "create_time": "2026-01-01T10:00:00Z"}'
    )
    (extra / "broken.jsonl").write_text(f'{good % (1, 1)}\n{good % (2, 2)}\n{{"id": "j3", broken\n{good % (4, 4)}\n')
    error = _error(project, "run")
    assert "broken.jsonl line 3: not a JSON object" in error
    assert "read_json" not in error and "LINE 1" not in error


def test_files_without_records_load_nothing_and_a_symlink_loop_is_no_file(project: DemoProject, extra: Path) -> None:
    (extra / "empty.jsonl").write_text("")
    (extra / "loop1").symlink_to(extra / "loop2")
    (extra / "loop2").symlink_to(extra / "loop1")
    project.cli.ok("run", "--project", "project")


def test_utf16_without_a_byte_order_mark_is_named_as_such(project: DemoProject, extra: Path, config: Path) -> None:
    rows = [HEADER, *zoom_rows(3, start=40)]
    (extra / "nobom.csv").write_bytes(("\n".join(rows) + "\n").encode("utf-16-le"))
    error = _error(project, "run")
    assert "the file is probably utf-16-le" in error and "sources.zoom.encoding: utf-16-le" in error
    config.write_text(config.read_text().replace("  zoom:\n", "  zoom:\n    encoding: utf-16\n", 1))
    assert "(utf-16-le or utf-16-be when the file has no byte order mark)" in _error(project, "run")
    # cut off inside its last character, as an interrupted download is
    (extra / "nobom.csv").write_bytes(("\n".join(rows) + "\n").encode("utf-16")[:-1])
    assert "nobom.csv line 5: not utf-16 text (truncated data)" in _error(project, "run")


def test_a_codec_that_is_not_a_text_encoding_is_a_config_error(project: DemoProject, config: Path) -> None:
    config.write_text(config.read_text().replace("  zoom:\n", "  zoom:\n    encoding: rot13\n", 1))
    assert "'rot13' is not a text encoding" in _error(project, "status", code=2)


def test_the_line_of_a_bad_json_lines_record_counts_blank_lines(project: DemoProject, config: Path) -> None:
    path = project.exports / "salesforce" / "extra.jsonl"
    good = '{"Id": "s1", "Email": "a@example.com", "SystemModstamp": "2026-01-01T00:00:00Z"}'
    bad = '{"Id": "", "Email": "b@example.com", "SystemModstamp": "2026-01-01T00:00:00Z"}'
    path.write_text(f"{good}\n\n{good.replace('s1', 's2')}\n\n\n{bad}\n")
    try:
        assert "extra.jsonl: column 'id' is empty on line 6" in _error(project, "run")
    finally:
        path.unlink()


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("{{ ref('people') }", "unexpected '}'"),
        (
            "{{ ref('peopel') }}",
            "depends on a node named 'peopel' which was not found",
        ),
    ],
    ids=["jinja", "missing-ref"],
)
def test_a_dbt_compile_error_shows_dbts_message(project: DemoProject, broken: str, expected: str) -> None:
    model = project.project / "dbt_project" / "models" / "marts" / "audience.sql"
    original = model.read_text()
    model.write_text(original.replace("{{ ref('people') }}", broken))
    try:
        error = _error(project, "run", "--full-refresh")
    finally:
        model.write_text(original)
    assert "audience" in error and expected in error, error


@pytest.mark.parametrize("missing", ["../exports/zoom/*.tsv", "../exports/salesforce/contacts-2026.jsonl"])
def test_a_configured_file_or_glob_that_matches_nothing_fails_the_run(
    project: DemoProject, config: Path, missing: str
) -> None:
    text = config.read_text()
    config.write_text(text.replace('files: ["../exports/zoom/*"]', f'files: ["../exports/zoom/*", "{missing}"]'))
    assert missing in config.read_text()
    error = _error(project, "run")
    assert f"no file matches sources.zoom.files '{missing}'" in error

    doctor = piped(project, "doctor", "--project", "project")  # unwrapped: no COLUMNS, not a terminal
    assert doctor.returncode == 1
    assert f"nothing matches {missing}" in doctor.stdout
    assert "sources.zoom.files" in doctor.stdout
    assert not re.search(r"\{[a-z_]+\}", doctor.stdout), "no unfilled placeholder in doctor's fixes"


def test_an_unreachable_mailchimp_or_a_key_without_data_center_fails_with_the_whole_cause(
    project: DemoProject, config: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = config.read_text().replace("list_id: null", "list_id: list1")
    config.write_text(text.replace("api_url: null", f'api_url: "http://127.0.0.1:{port}/3.0"'))
    env = {"MAILCHIMP_API_KEY": "0123456789abcdef0123456789abcdef-us21"}
    result = project.cli("sync", "--project", "project", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        f"Mailchimp at http://127.0.0.1:{port}/3.0 is not usable: cannot connect to 127.0.0.1:{port}: "
        "connection refused. Fix: check the sync's destination.api_url and the network, then rerun"
    ), result.stderr

    config.write_text(text)  # no api_url: the key's data center decides
    result = project.cli("sync", "--project", "project", env={"MAILCHIMP_API_KEY": "0123456789abcdef0123456789abcdef"})
    assert result.returncode == 1
    assert "the Mailchimp API key has no data-center suffix" in result.stderr
    assert "Fix: copy the whole key" in result.stderr
