"""The audit trail names the file and the row each imported fact came from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp
from erp_core.cli import cli
from erp_core.kernel.errors import ValidationError


def _trail(erp: Erp, stream: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(
        cli, ["--db", erp.url.raw, "audit", "trail", stream, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_each_stored_action_names_its_file_and_rows(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "journal_lines")  # J-1001: rows 2-3, J-1002: rows 4-6
    result = run(erp, "journal_lines", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    documents = {r["row"]: r["document"] for r in report_rows(result)}
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    (entry,) = _trail(erp, f"import:{digest}")
    assert entry["event"] == "ImportBatchRecorded"
    details = entry["details"]
    assert isinstance(details, dict)
    assert (details["kind"], details["file"], details["file_sha256"], details["rows_read"]) == (
        "journal_lines",
        str(data),
        digest,
        5,
    )
    assert details["mapping_sha256"] == hashlib.sha256(spec.read_bytes()).hexdigest()
    assert details["rows"] == [
        {
            "rows": [2, 3],
            "external_id": "J-1001",
            "key": "import:journal_lines:J-1001",
            "documents": [documents["2"]],
        },
        {
            "rows": [4, 5, 6],
            "external_id": "J-1002",
            "key": "import:journal_lines:J-1002",
            "documents": [documents["4"]],
        },
    ]
    # the document's own trail is the ordinary one, keyed by the same idempotency key
    (recorded,) = _trail(erp, "idem:import:journal_lines:J-1001")
    assert recorded["details"]["result"] == {"documents": [documents["2"]]}  # type: ignore[index]
    assert recorded["actor"] == entry["actor"]


def test_a_run_that_stores_nothing_records_no_batch(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "warehouses")
    first = run(erp, "warehouses", str(data), "--mapping", str(spec))
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    assert f"source recorded in import:{digest}" in first.output.replace("\n", "")
    before = log_position(erp)
    again = run(erp, "warehouses", str(data), "--mapping", str(spec))
    assert "source recorded" not in again.output and log_position(erp) == before
    dry = run(erp, "warehouses", str(data), "--mapping", str(spec), "--dry-run")
    assert "source recorded" not in dry.output
    assert len(_trail(erp, f"import:{digest}")) == 1
    # the same bytes under another name: a new row is recorded on the same stream
    data.write_text(data.read_text() + "WEST,West depot\n")
    third = run(erp, "warehouses", str(data), "--mapping", str(spec), "--format", "csv")
    assert [r["row"] for r in report_rows(third) if r["status"] == "applied"] == ["4"]
    (entry,) = _trail(erp, f"import:{hashlib.sha256(data.read_bytes()).hexdigest()}")
    assert entry["details"]["rows"] == [  # type: ignore[index]
        {"rows": [4], "external_id": "WEST", "key": "import:warehouses:WEST", "documents": []}
    ]


def test_an_all_or_nothing_refusal_records_no_batch(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "warehouses")
    data.write_text(data.read_text() + ",No code\n")
    before = log_position(erp)
    result = run(erp, "warehouses", str(data), "--mapping", str(spec), "--all-or-nothing")
    assert result.exit_code == 1 and log_position(erp) == before


def test_record_import_batch_refuses_a_row_listed_twice(erp: Erp) -> None:
    batch = {
        "action": "record_import_batch",
        "kind": "warehouses",
        "file": "w.csv",
        "file_sha256": "a" * 64,
        "mapping_sha256": "b" * 64,
        "rows_read": 2,
        "rows": [
            {"rows": [2], "external_id": "A", "key": "import:warehouses:A"},
            {"rows": [2, 3], "external_id": "B", "key": "import:warehouses:B"},
        ],
    }
    with pytest.raises(ValidationError, match="row 2 is listed twice"):
        erp.apply(batch)
    with pytest.raises(ValidationError):
        erp.apply({**batch, "file_sha256": "not a hash"})
    with pytest.raises(ValidationError, match="part 2 of 1"):
        erp.apply({**batch, "rows": batch["rows"][:1], "part": 2})


def test_the_json_report_names_the_source_stream(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "warehouses")
    result = run(erp, "warehouses", str(data), "--mapping", str(spec), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["source"] == f"import:{hashlib.sha256(data.read_bytes()).hexdigest()}"
    again = json.loads(
        run(erp, "warehouses", str(data), "--mapping", str(spec), "--format=json").output
    )
    assert again["source"] == ""  # nothing stored, nothing recorded
