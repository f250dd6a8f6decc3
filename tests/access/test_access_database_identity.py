"""identity = database: on PostgreSQL the session user decides who acts, and a typed actor
cannot override it (the issue: a clerk's database role cannot approve even with --actor
admin)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator

import pytest

from erp_core import Erp
from erp_core.access.tokens import create_token
from erp_core.kernel.errors import AccessDenied, ValidationError

pytestmark = pytest.mark.postgres


def order(erp: Erp, quantity: str) -> str:
    return erp.create_purchase_order(
        date="2026-03-02",
        supplier="ACME",
        expected_delivery="2026-03-15",
        lines=[{"item": "BOLT", "quantity": quantity, "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]


class Server:
    """Books on a PostgreSQL schema, and database roles that may log in to it."""

    def __init__(self, url: str, clock: Callable[[], dt.datetime]) -> None:
        import psycopg

        self.url = url
        self.clock = clock
        self.base, query = url.split("?", 1)
        self.schema = query.split("=", 1)[1]
        self.roles: list[str] = []
        self.conn = psycopg.connect(self.base, autocommit=True)

    def role(self) -> str:
        """A new login role acting on the books' schema. Opening the books runs DDL (tables
        are created if missing), which PostgreSQL allows only to a table's owner, so the
        schema's objects belong to a group role every login role is a member of; the session
        user stays the login role, and that is who acts."""
        s = self.schema
        if not self.roles:
            group = f"r3access_books_{uuid.uuid4().hex[:8]}"
            self.conn.execute(f"CREATE ROLE {group} NOLOGIN")
            self.conn.execute(f'ALTER SCHEMA "{s}" OWNER TO {group}')
            database = self.base.rsplit("/", 1)[1]
            self.conn.execute(f"GRANT CREATE ON DATABASE {database} TO {group}")
            objects = self.conn.execute(
                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN "
                "('r', 'v', 'p')",
                (s,),
            ).fetchall()
            for relname, relkind in objects:
                kind = "VIEW" if relkind == "v" else "TABLE"  # owned sequences follow
                self.conn.execute(f'ALTER {kind} "{s}"."{relname}" OWNER TO {group}')
            functions = self.conn.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
                "ON n.oid = p.pronamespace WHERE n.nspname = %s",
                (s,),
            ).fetchall()
            for (signature,) in functions:
                self.conn.execute(f"ALTER ROUTINE {signature} OWNER TO {group}")
            types = self.conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'c'",
                (s,),
            ).fetchall()
            for (typname,) in types:
                self.conn.execute(f'ALTER TYPE "{s}"."{typname}" OWNER TO {group}')
            self.group = group
        name = f"r3access_{uuid.uuid4().hex[:10]}"
        database = self.base.rsplit("/", 1)[1]
        self.conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE {self.group}")
        self.conn.execute(f"GRANT CONNECT ON DATABASE {database} TO {name}")
        self.roles.append(name)
        return name

    def open_as(self, role: str, actor: str | None = None) -> Erp:
        url = self.url.replace("postgres@", f"{role}@", 1)
        return Erp.open(url, actor=actor, clock=self.clock)

    def close(self) -> None:
        self.conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        for name in self.roles:
            self.conn.execute(f"DROP OWNED BY {name}")
            self.conn.execute(f"DROP ROLE {name}")
        if self.roles:
            self.conn.execute(f"DROP OWNED BY {self.group}")
            self.conn.execute(f"DROP ROLE {self.group}")
        self.conn.close()


@pytest.fixture
def server(pg_url: str, clock: Callable[[], dt.datetime]) -> Iterator[tuple[Erp, Server]]:
    admin = Erp.open(pg_url, actor="tester", clock=clock)
    admin.init("Test Co", "EUR", dt.date(2026, 1, 1))
    admin.register_item(code="BOLT", name="Bolt M8", uom="pcs")
    admin.register_warehouse(code="MAIN", name="Main store")
    admin.configure_procurement(approval_threshold="500.00")
    admin.register_supplier(code="ACME", name="Acme Parts")
    admin.create_user(code="clara", name="Clara Clerk")
    admin.grant_role(user="clara", role="purchasing_clerk")
    admin.create_user(code="bob", name="Bob Clerk")
    admin.grant_role(user="bob", role="purchasing_clerk")
    srv = Server(pg_url, clock)
    yield admin, srv
    admin.close()
    srv.close()


def test_a_clerks_database_role_cannot_approve_as_admin(server: tuple[Erp, Server]) -> None:
    admin, srv = server
    clerk_role, bob_role, stranger = srv.role(), srv.role(), srv.role()
    admin.map_database_role(database_role="postgres", user="tester")
    admin.map_database_role(database_role=clerk_role, user="clara")
    admin.map_database_role(database_role=bob_role, user="bob")
    admin.configure_access(identity="database")
    admin.enable_access_control()  # the admin's own session user is mapped: no lock-out
    po = order(admin, "80")  # 800.00, by tester (postgres)

    typed = srv.open_as(clerk_role, actor="tester")
    before = admin.store.last_position()
    with pytest.raises(AccessDenied, match=f"{clerk_role} acts as clara.*may not override"):
        typed.approve_purchase_order(po)
    assert admin.store.last_position() == before
    typed.close()

    # without --actor the session user's mapping acts: clara may approve 800.00
    clara = srv.open_as(clerk_role)
    assert clara.actor == "clara"
    clara.approve_purchase_order(po)
    # a 5,000.00 order is above the clerk's limit; her own order she may never approve
    big, own = order(admin, "500"), order(clara, "60")
    with pytest.raises(AccessDenied, match="approves up to 1,000.00"):
        clara.approve_purchase_order(big)
    with pytest.raises(AccessDenied, match="segregation of duties"):
        clara.approve_purchase_order(own)
    clara.close()
    with srv.open_as(bob_role) as bob:
        bob.approve_purchase_order(own)  # a colleague may

    # a role mapped to nobody acts as nobody, whatever it types
    with srv.open_as(stranger, actor="clara") as nobody:
        with pytest.raises(AccessDenied, match=f"{stranger} is mapped to no user"):
            nobody.approve_purchase_order(big)
        with pytest.raises(AccessDenied, match="mapped to no user"):
            nobody.trial_balance()


def test_database_identity_needs_the_admin_mapped_first(server: tuple[Erp, Server]) -> None:
    admin, _srv = server
    admin.configure_access(identity="database")
    with pytest.raises(ValidationError, match="postgres is not mapped to tester"):
        admin.enable_access_control()
    admin.map_database_role(database_role="postgres", user="tester")
    admin.enable_access_control()
    # remapping the role one acts through would lock one out
    with pytest.raises(ValidationError, match="locks you out"):
        admin.map_database_role(database_role="postgres", user="clara")


def test_bad_mappings_are_refused(server: tuple[Erp, Server]) -> None:
    admin, _srv = server
    with pytest.raises(ValidationError, match="not a PostgreSQL role name"):
        admin.map_database_role(database_role="bad role;", user="clara")
    with pytest.raises(ValidationError, match="unknown user"):
        admin.map_database_role(database_role="someone", user="nobody")
    with pytest.raises(ValidationError, match="mapped to no user"):
        admin.map_database_role(database_role="someone", user="")


def test_database_identity_on_sqlite_is_refused_when_enabled(erp: Erp) -> None:
    create_token(erp, "tester")
    erp.configure_access(identity="database")
    with pytest.raises(ValidationError, match="needs books on PostgreSQL"):
        erp.enable_access_control()
