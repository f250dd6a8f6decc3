"""Runs the ```console examples of a Markdown document, so the command lines in the docs and
the output they show cannot drift from the program (docs/layout.md, "Runnable examples").

The convention:

- A ```console block is run. A line `$ erp ARGS` is a command (a trailing `\\` continues it on
  the next line); a comment `# exit N` on it says the command must exit with status N
  (default 0), any other `# comment` is only for the reader. The lines after a command, up to
  the next `$` line, are its expected output: they must match the output (standard output and
  standard error as a terminal shows them) line by line, trailing spaces ignored; a line `...`
  matches any number of lines and `...` inside a line matches any text (hashes, times). A
  command with no expected lines is only checked for its exit status.
- Besides `erp`, a block knows `$ export NAME=VALUE ...` (sets variables for the commands after
  it) and `$ cat FILE` (prints a file). Anything else is refused: a block that shows shell
  pipelines or other programs is ```sh (only its `erp` command lines are checked, by name).
- A ```jsonl or ```text block whose info string says `file=NAME` writes NAME (its text) for
  the commands after it. A plain ```jsonl block (an example action, as in docs/actions.md) is
  applied at its place with `erp --actor docs apply` and must be accepted, so console examples
  between them see the company the examples before them built.
- The blocks of one document run in order in one empty directory, with
  `ERP_DATABASE_URL=sqlite:///erp.sqlite` (a fresh database there), `ERP_ACTOR=alice` and
  `COLUMNS=80` (so rich tables have the same width everywhere).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from erp_core.cli import cli

FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")
# COLUMNS: tables are as wide on every machine (rich reads it; 80 is its default off a terminal).
ENVIRONMENT = {"ERP_DATABASE_URL": "sqlite:///erp.sqlite", "ERP_ACTOR": "alice", "COLUMNS": "80"}


class DocExampleError(AssertionError):
    """An example of the docs that does not do what the docs say."""


@dataclass
class Step:
    """One `$` line of a console block (or a file block), with where it is in the document."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0
    file_name: str | None = None  # a file block: write `command` to this file


def _strip_comment(command: str) -> tuple[str, int]:
    """The command without its trailing comment, and the exit status the comment expects."""
    exit_code = 0
    match = EXIT.search(command)
    if match and _outside_quotes(command, match.start()):
        exit_code = int(match[1])
    hash_at = next(
        (
            i
            for i, c in enumerate(command)
            if c == "#" and _outside_quotes(command, i) and (i == 0 or command[i - 1].isspace())
        ),
        len(command),
    )
    return command[:hash_at].strip(), exit_code


def _outside_quotes(text: str, index: int) -> bool:
    quote = ""
    for char in text[:index]:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
    return not quote


def steps(text: str) -> Iterator[Step]:
    """The steps of a document's runnable blocks, in order."""
    for match in FENCE.finditer(text):
        info = match["info"].split()
        first = text.count("\n", 0, match.start("body")) + 1
        body = match["body"]
        names = [word.removeprefix("file=") for word in info[1:] if word.startswith("file=")]
        if info[:1] in (["jsonl"], ["text"]) and names:
            yield Step(first - 1, body, file_name=names[0])
        elif info == ["jsonl"]:
            yield Step(first - 1, body, file_name="")
        if info != ["console"]:
            continue
        step: Step | None = None
        pending = ""
        for offset, raw in enumerate(body.splitlines()):
            if pending:
                pending = pending[:-1] + " " + raw.strip()
            elif raw.startswith("$ "):
                if step is not None:
                    yield step
                step, pending = Step(first + offset, ""), raw[2:]
            else:
                if step is None:
                    raise DocExampleError(
                        f"line {first + offset}: a console block must start with a `$` command"
                    )
                step.expected.append(raw.rstrip())
                continue
            if not pending.endswith("\\"):
                assert step is not None
                step.command, step.exit_code = _strip_comment(pending)
                pending = ""
        if step is not None:
            yield step


def _pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in expected.split("...")) + r"\Z")


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` matches `expected` (a `...` line: any lines; `...` in a line: any text)."""
    while expected and expected[-1] == "":
        expected = expected[:-1]
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and bool(_pattern(head).match(actual[0])) and matches(rest, actual[1:])


def run_document(doc: Path, workdir: Path, text: str | None = None) -> int:
    """Run every runnable example of `doc` in `workdir` (which must be the current directory);
    returns the number of commands run; raises DocExampleError naming the document and line."""
    text = doc.read_text(encoding="utf-8") if text is None else text
    env: dict[str, str | None] = dict(ENVIRONMENT)
    env["ERP_TOKEN"] = None
    runner = CliRunner()
    count = 0
    for step in steps(text):
        where = f"{doc.parent.name}/{doc.name}:{step.line}"
        if step.file_name == "":  # an example action of the catalogue: apply it as `docs`
            path = workdir / ".example.jsonl"
            path.write_text(step.command, encoding="utf-8")
            result = runner.invoke(cli, ["--actor", "docs", "apply", str(path)], env=env)
            if result.exit_code != 0:
                raise DocExampleError(f"{where}: the ```jsonl example is refused:\n{result.output}")
            continue
        if step.file_name is not None:
            (workdir / step.file_name).write_text(step.command, encoding="utf-8")
            continue
        words = shlex.split(step.command)
        if words[0] == "export":
            for word in words[1:]:
                name, _, value = word.partition("=")
                env[name] = value
            continue
        if words[0] == "cat" and len(words) == 2:
            output, exit_code = (workdir / words[1]).read_text(encoding="utf-8"), 0
        elif words[0] == "erp":
            result = runner.invoke(cli, words[1:], env=env, catch_exceptions=True)
            output, exit_code = result.output, result.exit_code
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                output += f"\n{type(result.exception).__name__}: {result.exception}"
        else:
            raise DocExampleError(
                f"{where}: `{words[0]}` cannot run in a ```console block (only erp, export, "
                "cat); show it in a ```sh block"
            )
        count += 1
        actual = [line.rstrip() for line in output.splitlines()]
        while actual and actual[-1] == "":
            actual.pop()
        if exit_code != step.exit_code:
            raise DocExampleError(
                f"{where}: `{step.command}` exited {exit_code}, the docs expect "
                f"{step.exit_code}; its output:\n" + "\n".join(actual)
            )
        if step.expected and not matches(step.expected, actual):
            raise DocExampleError(
                f"{where}: the output of `{step.command}` differs from the docs\n"
                "--- the docs show\n"
                + "\n".join(step.expected)
                + "\n--- the program printed\n"
                + "\n".join(actual)
            )
    return count
