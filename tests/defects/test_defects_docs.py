"""Issue 10 item 21: the console examples of the docs name commands and options that exist, so
the command lines in the docs cannot drift from the CLI; help texts are not cut short; the
schema of actions allows no negative amounts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from erp_core.cli import cli

DOCS = Path(__file__).resolve().parents[2] / "docs"
# ```console blocks also run (tests/test_docs.py); ```sh blocks (synopses, placeholders, other
# programs) are only checked here.
FENCE = re.compile(r"^```(?:console|sh)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
GLOBAL = {"--db", "--actor"}


def console_commands() -> list[tuple[str, str]]:
    found = []
    for doc in sorted([*DOCS.glob("*.md"), *DOCS.glob("*/*.md")]):
        for block in FENCE.finditer(doc.read_text(encoding="utf-8")):
            for line in block["body"].splitlines():
                if line.startswith("$ erp ") or " | erp " in line:
                    command = line[line.index("erp ") :].split("  #")[0]
                    found.append((doc.name, command))
    return found


def check_command_line(text: str) -> None:
    tokens = [t for t in shlex.split(text.replace("[", " ").replace("]", " ")) if t != "|"]
    tokens = tokens[1:]  # "erp"
    ctx = click.Context(cli)
    command: click.Command = cli
    while tokens and tokens[0] in GLOBAL:
        tokens = tokens[2:]
    if tokens[:1] == ["COMMAND"]:  # the synopsis of the root
        return
    while isinstance(command, click.Group) and tokens and not tokens[0].startswith("-"):
        sub = command.get_command(ctx, tokens[0])
        if sub is None and "show" in command.commands and command.name == "document":
            sub, tokens = command.commands["show"], ["show", *tokens]  # `erp document NUMBER`
        assert sub is not None, f"{text}: no command {tokens[0]!r}"
        command, tokens = sub, tokens[1:]
    options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    options |= {"--help", "-h"}
    for token in tokens:
        if token.startswith("--"):
            name = token.split("=")[0]
            assert name in options, f"{text}: {name} is not an option of {command.name}"


@pytest.mark.parametrize(("doc", "line"), console_commands())
def test_defects_console_examples_name_real_commands(doc: str, line: str) -> None:
    if line.startswith("erp do ") or line.startswith("erp apply"):
        check_command_line(line.split(" lines=")[0])
    else:
        check_command_line(line)


def test_defects_docs_have_console_examples() -> None:
    assert len(console_commands()) > 30


def test_defects_help_is_not_cut_at_an_abbreviation() -> None:
    result = CliRunner().invoke(cli, ["audit", "--help"])
    assert "(e.g." not in result.output and "Every stored event of a DOCUMENT" in result.output


def test_defects_schema_allows_no_negative_amounts() -> None:
    out = json.loads(CliRunner().invoke(cli, ["schema", "post_voucher"]).output)
    text = json.dumps(out)
    assert "^-?" not in text and r"^\\d+(\\.\\d+)?$" in text
