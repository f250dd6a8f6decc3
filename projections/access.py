"""The access projection: users, defined roles and grants, for `erp report access` (who can do
what). The built-in role templates are not events: the report adds them from the domain."""

from __future__ import annotations

from collections.abc import Sequence

from erp_core.projections.engine import Projection, Record
from erp_core.projections.schema import metadata
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Column, Connection, String, Table, delete, insert, select, update

from erp_core.access.domain import TEMPLATES

access_users = Table(
    "access_users",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
)
access_roles = Table(
    "access_roles",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("permissions", String(8000), nullable=False),  # space separated
    Column("rules", String(2000), nullable=False),
)
access_grants = Table(
    "access_grants",
    metadata,
    Column("user", String(32), primary_key=True),
    Column("role", String(32), primary_key=True),
)


def rules_text(
    warehouses: Sequence[str], own: bool, self_approval: bool, limit: object | None
) -> str:
    parts = []
    if warehouses:
        parts.append("warehouses " + ", ".join(warehouses))
    if own:
        parts.append("own documents only")
    if self_approval:
        parts.append("may approve own documents")
    if limit is not None:
        parts.append(f"approves up to {limit}")
    return "; ".join(parts)


class AccessProjection:
    name = "access"
    tables: Sequence[Table] = (access_users, access_roles, access_grants)
    event_names = frozenset(
        {"UserCreated", "UserDeactivated", "RoleDefined", "RoleGranted", "RoleRevoked"}
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        u, r, g = access_users, access_roles, access_grants
        for _, _, name, e in records:
            if name == "UserCreated":
                conn.execute(insert(u).values(code=e["code"], name=e["name"], active=True))
            elif name == "UserDeactivated":
                conn.execute(update(u).where(u.c.code == e["code"]).values(active=False))
            elif name == "RoleDefined":
                conn.execute(delete(r).where(r.c.code == e["code"]))
                conn.execute(
                    insert(r).values(
                        code=e["code"],
                        name=e["name"],
                        permissions=" ".join(e["permissions"]),
                        rules=rules_text(
                            e.get("warehouses", ()),
                            e.get("own_documents_only", False),
                            e.get("self_approval", False),
                            e.get("approval_limit"),
                        ),
                    )
                )
            elif name == "RoleGranted":
                conn.execute(insert(g).values(user=e["user"], role=e["role"]))
            elif name == "RoleRevoked":
                conn.execute(delete(g).where(g.c.user == e["user"], g.c.role == e["role"]))


def projections() -> list[Projection]:
    return [AccessProjection()]


# --- report queries (called through `Erp.query`) ---------------------------------------------


class AccessRow(BaseModel):
    """One user and one role they hold, with what it permits (a user without roles: one row
    with an empty role)."""

    model_config = ConfigDict(frozen=True)
    user: str
    name: str
    active: bool
    role: str
    permissions: str
    rules: str


def roles(conn: Connection) -> dict[str, tuple[str, str, str]]:
    """Every role (templates, replaced by defined roles of the same code): name, permissions,
    rules."""
    found = {
        code: (
            t.name,
            " ".join(sorted(t.permissions)),
            rules_text(
                sorted(t.warehouses), t.own_documents_only, t.self_approval, t.approval_limit
            ),
        )
        for code, t in TEMPLATES.items()
    }
    for row in conn.execute(select(access_roles)):
        found[row.code] = (row.name, row.permissions, row.rules)
    return found


def access_report(conn: Connection) -> list[AccessRow]:
    """Who can do what: every user with each role they hold."""
    known = roles(conn)
    held: dict[str, list[str]] = {}
    for g in conn.execute(select(access_grants).order_by(access_grants.c.role)):
        held.setdefault(g.user, []).append(g.role)
    out = []
    for user in conn.execute(select(access_users).order_by(access_users.c.code)):
        for role in held.get(user.code) or [""]:
            _role_name, permissions, rules = known.get(role, ("", "", ""))
            out.append(
                AccessRow(
                    user=user.code,
                    name=user.name,
                    active=bool(user.active),
                    role=role,
                    permissions=permissions,
                    rules=rules,
                )
            )
    return out
