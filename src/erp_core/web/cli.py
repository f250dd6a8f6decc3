"""`erp serve`: the read-only web console (needs the optional extra ``web``)."""

from __future__ import annotations

import ipaddress
import socket

import click

from erp_core.cli_base import Context, pass_ctx
from erp_core.kernel.errors import ValidationError

EXTRA_MISSING = (
    "the web console needs Starlette and uvicorn: pip install 'erp_core[web]' "
    "(the optional extra 'web')"
)


def is_local(host: str) -> bool:
    """Whether `host` names only this machine (a loopback address or localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, access_on: bool) -> None:
    """Refuse a non-local address unless access control is on (anyone who can reach the
    address could otherwise read the books)."""
    if not is_local(host) and not access_on:
        raise ValidationError(
            "host",
            f"{host} is not a local address, and access control is off: anyone who can reach "
            "it could read the books. Turn access control on (`erp access enable`) or bind "
            "to 127.0.0.1",
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    help="Also accept requests naming this host (repeatable; guards against DNS rebinding).",
)
@click.option(
    "--digest",
    "digest_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An earlier digest file (`erp audit digest`) the audit page checks the log still "
    "extends; the latest is shown (repeatable).",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False),
    help="Trusted Ed25519 public key (PEM): the digests must be signed with it.",
)
@pass_ctx
def serve(
    state: Context,
    host: str,
    port: int,
    allow_hosts: tuple[str, ...],
    digest_files: tuple[str, ...],
    public_key: str | None,
) -> None:
    """Serve a read-only web console over the books (statements with drill-down to the
    events, aging, stock, work orders, assets, payroll, process maps, audit status)."""
    from pathlib import Path

    from erp_core.audit import verify as audit
    from erp_core.audit.cli import _read_digest

    digests = [_read_digest(p) for p in digest_files]
    trusted = audit.load_public_key(Path(public_key).read_bytes()) if public_key else None
    try:
        import uvicorn

        from erp_core.web.app import create_app
    except ImportError:
        raise click.ClickException(EXTRA_MISSING) from None
    erp = state.erp()
    access_on = erp.access_control_enabled()
    check_bind(host, access_on)
    hosts = ["127.0.0.1", "localhost", "::1", "[::1]", *allow_hosts]
    if not is_local(host):
        hosts += [host, socket.getfqdn()]
    app = create_app(erp, allowed_hosts=hosts, digests=digests, trusted_public_key=trusted)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"Serving {erp.url.redacted()} read-only on http://{shown}:{port}/ "
        f"(access control {'on' if access_on else 'off'}); Ctrl-C stops.",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


commands = [serve]
reports: list[click.Command] = []
