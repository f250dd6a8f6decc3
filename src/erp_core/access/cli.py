"""`erp user ...`, `erp role ...`, `erp access ...` and `erp report access` (who can do what)."""

from __future__ import annotations

from decimal import Decimal
from typing import IO

import click

from erp_core.cli_base import FORMATS, Context, pass_ctx
from erp_core.render import rows_out


@click.group("user")
def user() -> None:
    """Users: create, deactivate, grant and revoke roles, API tokens."""


@user.command("create")
@click.argument("code")
@click.option("--name", required=True, help="The user's full name.")
@pass_ctx
def user_create(state: Context, code: str, name: str) -> None:
    """Register the user CODE (what --actor and the events name)."""
    state.erp().apply({"action": "create_user", "code": code, "name": name})
    click.echo(f"Created user {code}.")


@user.command("deactivate")
@click.argument("code")
@click.option("--reason", required=True, help="Why (kept in the log).")
@pass_ctx
def user_deactivate(state: Context, code: str, reason: str) -> None:
    """Deactivate the user CODE: every later action or report by them is refused."""
    state.erp().apply({"action": "deactivate_user", "code": code, "reason": reason})
    click.echo(f"Deactivated {code}.")


@user.command("grant")
@click.argument("code")
@click.argument("role")
@pass_ctx
def user_grant(state: Context, code: str, role: str) -> None:
    """Give the user CODE the ROLE."""
    state.erp().apply({"action": "grant_role", "user": code, "role": role})
    click.echo(f"{code} now holds {role}.")


@user.command("revoke")
@click.argument("code")
@click.argument("role")
@pass_ctx
def user_revoke(state: Context, code: str, role: str) -> None:
    """Take the ROLE away from the user CODE (effective at once)."""
    state.erp().apply({"action": "revoke_role", "user": code, "role": role})
    click.echo(f"{code} no longer holds {role}.")


@user.group("token")
def token() -> None:
    """API tokens: the proof of who acts once access control is on."""


@token.command("create")
@click.argument("code")
@click.option("--label", default="", help="What the token is for (e.g. the machine).")
@pass_ctx
def token_create(state: Context, code: str, label: str) -> None:
    """Create an API token for the user CODE and print it: shown this once, only its hash is
    stored. Give it as $ERP_TOKEN (or --token)."""
    from erp_core.access.tokens import create_token, token_id_of

    secret = create_token(state.erp(), code, label)
    click.echo(secret)
    click.echo(
        f"Token {token_id_of(secret)} for {code}: store it now; it is never shown again.",
        err=True,
    )


@token.command("revoke")
@click.argument("token_id")
@pass_ctx
def token_revoke(state: Context, token_id: str) -> None:
    """Revoke the token TOKEN_ID (the part after erp_ in the token)."""
    state.erp().apply({"action": "revoke_token", "token_id": token_id})
    click.echo(f"Revoked token {token_id}.")


@user.group("key")
def key() -> None:
    """Ed25519 signing keys: signed actions survive a compromised database user."""


@key.command("create")
@click.argument("code")
@click.option(
    "--private-key",
    "private_key",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Where to write the new private key (PEM, readable by its owner only).",
)
@pass_ctx
def key_create(state: Context, code: str, private_key: str) -> None:
    """Make a key pair for the user CODE, write the private key to a new file and register
    the public key (an event)."""
    import os

    from erp_core.access.identity import key_id, new_key_pair
    from erp_core.kernel.errors import ValidationError

    if os.path.exists(private_key):
        raise ValidationError("private_key", f"{private_key} exists already: not overwritten")
    pem, public = new_key_pair()
    state.erp().apply({"action": "register_signing_key", "user": code, "public_key": public})
    fd = os.open(private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    click.echo(f"Signing key {key_id(public)} for {code}; private key in {private_key}.")


@key.command("register")
@click.argument("code")
@click.argument("public_key")
@pass_ctx
def key_register(state: Context, code: str, public_key: str) -> None:
    """Register PUBLIC_KEY (64 hex digits of an Ed25519 key) for the user CODE."""
    result = state.erp().apply(
        {"action": "register_signing_key", "user": code, "public_key": public_key}
    )
    click.echo(f"Signing key {result.documents[0]} for {code}.")


@key.command("revoke")
@click.argument("key_id")
@pass_ctx
def key_revoke(state: Context, key_id: str) -> None:
    """Revoke the signing key KEY_ID: actions signed with it are refused from now on."""
    state.erp().apply({"action": "revoke_signing_key", "key_id": key_id})
    click.echo(f"Revoked signing key {key_id}.")


@click.command("sign")
@click.argument("file", type=click.File("r"))
@click.option(
    "--key",
    "key_file",
    type=click.File("rb"),
    required=True,
    help="The signer's Ed25519 private key (PEM).",
)
@click.option("--as", "signer", help="Who signs (default: --actor / $ERP_ACTOR).")
def sign(file: IO[str], key_file: IO[bytes], signer: str | None) -> None:
    """Sign every action of the JSON Lines FILE as the actor and print the signed lines (each
    gets an idempotency_key if it has none, so it cannot be applied twice, and a signature
    over its canonical content). Apply them with `erp apply` as the same actor."""
    import json
    import os
    import uuid

    from erp_core.access.identity import canonical
    from erp_core.access.identity import sign as sign_text
    from erp_core.api import default_actor, parse_action
    from erp_core.kernel.errors import ValidationError

    actor = signer or click.get_current_context().find_root().params.get("actor")
    actor = actor or os.environ.get("ERP_ACTOR") or default_actor()
    pem = key_file.read()
    for number, line in enumerate(file, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise ValidationError("file", f"line {number}: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValidationError("file", f"line {number}: not a JSON object")
        data.pop("signature", None)
        data.setdefault("idempotency_key", f"signed:{uuid.uuid4().hex}")
        try:
            action = parse_action(data)
        except ValidationError as err:
            raise ValidationError("file", f"line {number}: {err.message}") from None
        data["signature"] = sign_text(pem, canonical(action, actor))
        click.echo(json.dumps(data))


@click.group("role")
def role() -> None:
    """Roles: what each permits, with its record rules."""


@role.command("define")
@click.argument("code")
@click.option("--name", required=True)
@click.option(
    "--permit",
    "permissions",
    multiple=True,
    required=True,
    help="An action, area:<area>, report:<name>, report:* or * (repeat).",
)
@click.option("--warehouse", "warehouses", multiple=True, help="Limit to this warehouse (repeat).")
@click.option("--own-documents-only", is_flag=True, help="Only documents the user created.")
@click.option("--self-approval", is_flag=True, help="May approve documents they created.")
@click.option("--approval-limit", help="Largest document total it may approve.")
@pass_ctx
def role_define(
    state: Context,
    code: str,
    name: str,
    permissions: tuple[str, ...],
    warehouses: tuple[str, ...],
    own_documents_only: bool,
    self_approval: bool,
    approval_limit: str | None,
) -> None:
    """Define (or redefine) the role CODE."""
    state.erp().apply(
        {
            "action": "define_role",
            "code": code,
            "name": name,
            "permissions": list(permissions),
            "warehouses": list(warehouses),
            "own_documents_only": own_documents_only,
            "self_approval": self_approval,
            "approval_limit": None if approval_limit is None else Decimal(approval_limit),
        }
    )
    click.echo(f"Defined role {code}.")


@role.command("list")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def role_list(state: Context, fmt_name: str) -> None:
    """Every role (built-in templates and defined roles) with what it permits."""
    from pydantic import BaseModel

    from erp_core.projections.access import roles

    class RoleRow(BaseModel):
        role: str
        name: str
        permissions: str
        rules: str

    found = state.erp().query(roles)
    rows = [RoleRow(role=c, name=n, permissions=p, rules=r) for c, (n, p, r) in found.items()]
    rows_out("Roles", rows, ["role", "name", "permissions", "rules"], fmt_name)


@click.group("access")
def access() -> None:
    """Access control: switch it on, how actors are identified, refusals recorded."""


@access.command("configure")
@click.option(
    "--identity",
    type=click.Choice(["token", "database"]),
    default="token",
    show_default=True,
    help="token: an API token proves the actor; database: the PostgreSQL session user.",
)
@click.option("--require-signatures", is_flag=True, help="Every action must be signed.")
@click.option("--record-refusals", is_flag=True, help="Record refused attempts as events.")
@pass_ctx
def access_configure(
    state: Context, identity: str, require_signatures: bool, record_refusals: bool
) -> None:
    """Set how actors are identified, whether actions must be signed, and whether refused
    attempts are recorded for the auditor (each setting given is the new value)."""
    state.erp().apply(
        {
            "action": "configure_access",
            "identity": identity,
            "require_signatures": require_signatures,
            "record_refusals": record_refusals,
        }
    )
    click.echo(
        f"Identity: {identity}; signatures required: {'yes' if require_signatures else 'no'}; "
        f"refusals recorded: {'yes' if record_refusals else 'no'}."
    )


@access.command("map-role")
@click.argument("database_role")
@click.argument("code", default="")
@pass_ctx
def access_map_role(state: Context, database_role: str, code: str) -> None:
    """Let the PostgreSQL role DATABASE_ROLE act as the user CODE (identity = database);
    without CODE, remove its mapping."""
    state.erp().apply({"action": "map_database_role", "database_role": database_role, "user": code})
    click.echo(f"{database_role} acts as {code}." if code else f"{database_role} acts as nobody.")


@access.command("enable")
@pass_ctx
def access_enable(state: Context) -> None:
    """Switch access control on for good: from now on every action and report needs the
    actor's API token and a role permitting it."""
    state.erp().apply({"action": "enable_access_control"})
    click.echo("Access control is on: every action and report now needs an API token.")


@click.command("access")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_access(state: Context, fmt_name: str) -> None:
    """Who can do what: every user, each role they hold, what it permits and its rules."""
    from erp_core.projections.access import access_report

    rows_out(
        "Access: users and their roles",
        state.erp().query(access_report),
        ["user", "name", "active", "role", "permissions", "rules"],
        fmt_name,
    )


@click.command("approvals-waiting")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_approvals_waiting(state: Context, fmt_name: str) -> None:
    """Documents waiting for approval, per person who may approve, and for how long (an
    empty approver: nobody may approve it, the document is stuck; *: anyone but its creator,
    an order in the default purchase workflow)."""
    import datetime as dt

    from erp_core.projections.access import approvals_waiting

    rows_out(
        "Approvals waiting",
        state.erp().query(approvals_waiting, dt.datetime.now(dt.UTC)),
        [
            "approver",
            "on_behalf_of",
            "document",
            "creator",
            "total",
            "level",
            "of_levels",
            "role",
            "waiting_since",
            "age_days",
        ],
        fmt_name,
    )


@click.command("approval-history")
@click.argument("document")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_approval_history(state: Context, document: str, fmt_name: str) -> None:
    """DOCUMENT's approvals: created, each level approved or rejected, by whom and why."""
    from erp_core.projections.access import approval_history

    rows_out(
        f"Approval history of {document}",
        state.erp().query(approval_history, document),
        ["recorded_at", "step", "round", "level", "role", "actor", "on_behalf_of", "reason"],
        fmt_name,
    )


@click.command("sod-breaches")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_sod_breaches(state: Context, fmt_name: str) -> None:
    """Segregation-of-duties breaches in the log: documents approved by their creator."""
    from erp_core.projections.access import sod_breaches

    rows_out(
        "Segregation-of-duties breaches",
        state.erp().query(sod_breaches),
        ["recorded_at", "document", "creator", "approver", "on_behalf_of", "step", "level"],
        fmt_name,
    )


@access.command("escalate")
@pass_ctx
def access_escalate(state: Context) -> None:
    """Escalate every document that has waited at its level longer than the level allows
    (run it daily, e.g. from cron): the level's escalation role may then approve it too."""
    import datetime as dt

    from erp_core.kernel.errors import ValidationError
    from erp_core.projections.access import escalations_due

    erp = state.erp()
    due = erp.query(escalations_due, dt.datetime.now(dt.UTC))
    for document_type, document in due:
        try:
            erp.apply(
                {
                    "action": "escalate_approval",
                    "document_type": document_type,
                    "document": document,
                }
            )
        except ValidationError as err:  # moved on meanwhile
            click.echo(f"{document}: not escalated ({err.message})")
            continue
        click.echo(f"Escalated {document}.")
    if not due:
        click.echo("Nothing to escalate.")


@click.command("refusals")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_refusals(state: Context, fmt_name: str) -> None:
    """Refused attempts recorded (when the company records them): who, what, which rule."""
    from erp_core.projections.access import refusals

    rows_out(
        "Refused attempts",
        state.erp().query(refusals),
        ["recorded_at", "actor", "action", "permission", "authenticated", "rule"],
        fmt_name,
    )


commands: list[click.Command] = [user, role, access, sign]
reports: list[click.Command] = [
    report_access,
    report_approvals_waiting,
    report_approval_history,
    report_sod_breaches,
    report_refusals,
]
