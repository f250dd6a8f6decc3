"""The documentation is tested, so it cannot drift from the code.

- every ```python block of docs/*.md runs, blocks of one file in order in one namespace, in an
  empty directory;
- the ```jsonl blocks of docs/actions.md and then of docs/actions/<area>.md (areas in the order
  of `erp_core.areas.AREAS`), concatenated, apply cleanly with `erp apply` to a freshly created
  company;
- every ```console block of docs/*.md runs with `erp` and shows the program's real output
  (the convention is in tests/docs_console.py and docs/layout.md), blocks of one file in order
  against one fresh database in an empty directory;
- the action catalogue (docs/actions.md and docs/actions/*.md) names every registered action, the
  event catalogue (docs/events.md and docs/events/*.md) every event class, and the guide's chart
  table matches the standard chart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docs_console import run_document

from erp_core.areas import AREAS
from erp_core.cli import cli
from erp_core.kernel.events import EVENT_TYPES
from erp_core.kernel.registry import action_types, load_areas
from erp_core.ledger.accounts import STANDARD_CHART

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def code_blocks(doc: Path, info: str) -> list[tuple[int, str]]:
    """(first line number, text) of every fenced block of `doc` whose info string is `info`."""
    text = doc.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start("body")) + 1, match["body"])
        for match in FENCE.finditer(text)
        if match["info"].strip() == info
    ]


DOCS_WITH_PYTHON = [
    doc for doc in sorted([*DOCS.glob("*.md"), *DOCS.glob("*/*.md")]) if code_blocks(doc, "python")
]


DOCS_WITH_CONSOLE = [
    doc for doc in sorted([*DOCS.glob("*.md"), *DOCS.glob("*/*.md")]) if code_blocks(doc, "console")
]


def catalogue(kind: str) -> list[Path]:
    """docs/<kind>.md, then docs/<kind>/<area>.md in the order of the areas."""
    by_area = [DOCS / kind / f"{area}.md" for area in AREAS]
    return [DOCS / f"{kind}.md", *(p for p in by_area if p.exists())]


def test_the_docs_have_python_examples() -> None:
    assert DOCS_WITH_PYTHON, f"no ```python block found in {DOCS}/*.md"


@pytest.mark.parametrize("doc", DOCS_WITH_PYTHON, ids=lambda doc: doc.name)
def test_python_examples_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ERP_DATABASE_URL", raising=False)
    namespace: dict[str, object] = {"__name__": f"docs_{doc.stem}"}
    for first_line, source in code_blocks(doc, "python"):
        # Pad with blank lines so a traceback points at the line in the Markdown file.
        code = compile("\n" * (first_line - 1) + source, str(doc), "exec")
        exec(code, namespace)


def test_the_docs_have_console_examples() -> None:
    assert len(DOCS_WITH_CONSOLE) >= 4, f"too few docs with ```console examples in {DOCS}"


@pytest.mark.parametrize("doc", DOCS_WITH_CONSOLE, ids=lambda doc: doc.name)
def test_console_examples_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("ERP_DATABASE_URL", "ERP_ACTOR", "ERP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert run_document(doc, tmp_path) > 0


def test_action_examples_apply_cleanly_as_one_file(tmp_path: Path) -> None:
    blocks = [b for doc in catalogue("actions") for b in code_blocks(doc, "jsonl")]
    actions = [line for _, block in blocks for line in block.splitlines() if line.strip()]
    assert actions, "docs/actions.md has no ```jsonl example"
    path = tmp_path / "actions.jsonl"
    path.write_text("\n".join(actions) + "\n", encoding="utf-8")
    db = ["--db", f"sqlite:///{tmp_path}/x.sqlite", "--actor", "docs"]
    runner = CliRunner()

    created = runner.invoke(
        cli,
        [*db, "init", "--company", "Acme Ltd", "--currency", "EUR", "--year-start", "2026-01-01"],
    )
    assert created.exit_code == 0, created.output

    applied = runner.invoke(cli, [*db, "apply", str(path)])
    assert applied.exit_code == 0, applied.output
    assert "rejected 0" in applied.output
    assert f"applied {len(actions)} action(s), rejected 0" in applied.output


@pytest.mark.parametrize("kind", ["actions", "events"])
def test_catalogue_names_everything(kind: str) -> None:
    load_areas()
    events = [n for n, cls in EVENT_TYPES.items() if cls.__module__.startswith("erp_core.")]
    names = sorted(action_types() if kind == "actions" else events)
    text = "\n".join(doc.read_text(encoding="utf-8") for doc in catalogue(kind))
    missing = [name for name in names if not re.search(rf"\b{re.escape(name)}\b", text)]
    assert not missing, f"the {kind} catalogue in docs/ does not mention {', '.join(missing)}"


def test_guide_chart_table_is_the_standard_chart() -> None:
    text = (DOCS / "guide.md").read_text(encoding="utf-8")
    missing = [
        code
        for code, name, account_type, parent, _group, _role in STANDARD_CHART
        if f"| {code} | {name} | {account_type} | {parent or ''} |" not in text
    ]
    assert not missing, f"docs/guide.md's chart table lacks or misstates {', '.join(missing)}"
