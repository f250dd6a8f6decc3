"""The console's read-only JSON API under `/api/`: the same report models, and the same JSON
text, as the CLI's `--format json` (`erp report trial-balance --format json` and
`GET /api/trial-balance` give the same document), described by an OpenAPI 3.1 schema at
`/api/openapi.json`.

Access follows the pages: once access control is on, a request needs the console's session
cookie (a browser that logged in) or an `Authorization: Bearer <API token>` header (a
program); without either it gets 401, and each report still needs the user's `report:<name>`
permission (403 naming it). Only GET (and HEAD) routes exist: every other method gets 405.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from erp_core.kernel.errors import AccessDenied, ErpError, NotFound, ValidationError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from erp_core.api import Erp
    from erp_core.web.app import Console, Session

JSON = "application/json"


def _json(body: str, status: int = 200, **headers: str) -> Response:
    from erp_core.web.app import SECURITY_HEADERS

    return Response(body, status, headers={**SECURITY_HEADERS, **headers}, media_type=JSON)


def error(status: int, message: str, **headers: str) -> Response:
    return _json(json.dumps({"error": message, "status": status}, indent=2), status, **headers)


def model_json(model: BaseModel) -> str:
    """A report as the CLI prints it (`echo_json`): the model's JSON, indented by 2."""
    return model.model_dump_json(indent=2)


def rows_json(models: list[Any]) -> str:
    """A list of rows as the CLI prints it (`rows_out`, `audit trail`)."""
    return json.dumps([json.loads(m.model_dump_json()) for m in models], indent=2)


# -- the reports -------------------------------------------------------------------------------
# Each takes the request and the books (acting as the request's user; with `position` or
# `known_at`, the books as known then: `_endpoint` hands over a `BooksAt`) and answers JSON text.


def _params(request: Request) -> Any:
    return request.query_params


def trial_balance(request: Request, erp: Erp) -> str:
    from erp_core.web.app import _date

    return model_json(erp.trial_balance(_date(_params(request), "as_of", None)))


def balance_sheet(request: Request, erp: Erp) -> str:
    from erp_core.web.app import _date

    as_of = _date(_params(request), "as_of", dt.date.today())
    assert as_of is not None
    return model_json(erp.balance_sheet(as_of))


def income_statement(request: Request, erp: Erp) -> str:
    from erp_core.web.app import period

    start, end = period(erp, _params(request))
    return model_json(erp.income_statement(start, end))


def cash_flow(request: Request, erp: Erp) -> str:
    from erp_core.assets.cash_flow_report import cash_flow as query
    from erp_core.web.app import cash_flow_method, period

    start, end = period(erp, _params(request))
    return model_json(erp.query(query, start, end, cash_flow_method(_params(request))))


def account_ledger(request: Request, erp: Erp) -> str:
    from erp_core.web.app import CODE, _check_path, _date, ledger_slice

    code = _check_path(request.path_params["code"], CODE, "account")
    params = _params(request)
    offset, limit = _bounds(params)
    start, end = _date(params, "from", None), _date(params, "to", None)
    return rows_json(ledger_slice(erp, code, start, end, offset, limit).lines)


def _slice(params: Any, rows: list[Any]) -> list[Any]:
    """`offset` and `limit` (both optional) page through a long list."""
    start, limit = _bounds(params)
    return rows[start : None if limit is None else start + limit]


def _bounds(params: Any) -> tuple[int, int | None]:
    bounds = []
    for name in ("offset", "limit"):
        raw = params.get(name, "").strip()
        if raw and (not raw.isdigit() or len(raw) > 9):
            raise ValidationError(name, "a whole number from 0")
        bounds.append(int(raw) if raw else None)
    return bounds[0] or 0, bounds[1]


def document_events(request: Request, erp: Erp) -> str:
    from erp_core.web.app import DOCUMENT, _check_path

    number = _check_path(request.path_params["number"], DOCUMENT, "document")
    return json.dumps([e.model_dump(mode="json") for e in erp.trail(number)], indent=2)


def receivables(request: Request, erp: Erp) -> str:
    from erp_core.web.app import _date

    as_of = _date(_params(request), "as_of", dt.date.today())
    assert as_of is not None
    return model_json(erp.receivables_aging(as_of))


def payables(request: Request, erp: Erp) -> str:
    from erp_core.web.app import _date

    as_of = _date(_params(request), "as_of", dt.date.today())
    assert as_of is not None
    return model_json(erp.payables_aging(as_of))


def customer_ledger(request: Request, erp: Erp) -> str:
    from erp_core.web.app import CODE, _check_path

    code = _check_path(request.path_params["code"], CODE, "customer")
    return rows_json(erp.customer_ledger(code))


def supplier_ledger(request: Request, erp: Erp) -> str:
    from erp_core.web.app import CODE, _check_path

    code = _check_path(request.path_params["code"], CODE, "supplier")
    return rows_json(erp.supplier_ledger(code))


def stock(request: Request, erp: Erp) -> str:
    from erp_core.web.app import _date

    as_of = _date(_params(request), "as_of", dt.date.today())
    assert as_of is not None
    return model_json(erp.stock_balance(as_of, _params(request).get("by_batch") == "1"))


def stock_ledger(request: Request, erp: Erp) -> str:
    from erp_core.web.app import _code, _date, check_warehouse

    params = _params(request)
    warehouse = _code(params, "warehouse")
    check_warehouse(erp, warehouse)
    rows = erp.stock_ledger(_code(params, "item"), warehouse, _date(params, "to", None))
    return rows_json(_slice(params, rows))


def work_orders(request: Request, erp: Erp) -> str:
    from erp_core.projections.production import work_orders as query
    from erp_core.web.app import _code

    params = _params(request)
    return rows_json(erp.query(query, _code(params, "status"), _code(params, "item")))


def assets(request: Request, erp: Erp) -> str:
    from erp_core.assets.reports import asset_register
    from erp_core.web.app import _date

    as_of = _date(_params(request), "as_of", dt.date.today())
    return model_json(erp.query(asset_register, as_of))


def payroll(request: Request, erp: Erp) -> str:
    from erp_core.projections.payroll import payroll_summary

    raw = _params(request).get("year", "").strip()
    if raw and (not raw.isdigit() or len(raw) != 4):
        raise ValidationError("year", f"expected a year such as 2026, got {raw[:20]!r}")
    return rows_json(erp.query(payroll_summary, int(raw) if raw else None))


def payslips(request: Request, erp: Erp) -> str:
    """One run's payslips (personal data: needs `report:payslips`, else 403)."""
    from erp_core.projections.payroll import payroll_summary
    from erp_core.projections.payroll import payslips as query
    from erp_core.web.app import CODE, _check_path

    run = _check_path(request.path_params["run"], CODE, "payroll run")
    found = [r for r in erp.query(payroll_summary, None) if r.run == run]
    if not found:
        raise NotFound(f"no payroll run {run!r}")
    return rows_json([s for s in erp.query(query, found[0].month, None, True) if s.run == run])


def process(request: Request, erp: Erp) -> str:
    from erp_core.insight.reports import load_log, process_report, to_plain
    from erp_core.web.app import _date

    params = _params(request)
    basis = params.get("time", "recorded")
    if basis not in ("recorded", "effective"):
        raise ValidationError("time", "must be recorded or effective")
    object_type = params.get("object_type", "").strip()
    if not object_type:
        raise ValidationError("object_type", "name an object type, e.g. purchase_order")
    log = load_log(erp, basis, _date(params, "from", None), _date(params, "to", None))
    return json.dumps(to_plain(process_report(log, object_type, basis)), indent=2)


def kpi(request: Request, erp: Erp) -> str:
    """As `erp report kpi --format json`: the period's KPIs with the previous period's."""
    from erp_core.insight.reports import kpi_columns_of, to_plain
    from erp_core.web.app import period

    start, end = period(erp, _params(request))
    column = kpi_columns_of(erp, start, end)[0]
    body = to_plain(column.current) | {"previous": to_plain(column.previous)}
    return json.dumps(body, indent=2)


def audit(request: Request, erp: Erp) -> str:
    from erp_core.web.app import digest_status

    report, digest = digest_status(request.app.state.console, erp)
    position, head = erp.freshness()
    return json.dumps(
        {
            "ok": report.ok,
            "chain": report.model_dump(mode="json"),
            "projections": [s.model_dump(mode="json") for s in erp.projection_status()],
            "position": position,
            "head": head,
            "latest_digest": digest,
        },
        indent=2,
    )


# -- the routes and their description -----------------------------------------------------------

AS_OF = ("as_of", "date", "The effective date (YYYY-MM-DD).")
FROM = ("from", "date", "First day (default: the start of the fiscal year of `to`).")
TO = ("to", "date", "Last day (default today).")
POSITION = ("position", "integer", "As known at this log position (replayed from the log).")
KNOWN_AT = ("known_at", "date-time", "As known at this moment (ISO 8601 with a zone).")
OFFSET = ("offset", "integer", "Skip this many rows.")
LIMIT = ("limit", "integer", "At most this many rows.")


def _schemas() -> dict[str, Any]:
    """Each route's response type, imported only when the schema is asked for."""
    from erp_core.assets.cash_flow_report import CashFlowReport
    from erp_core.assets.reports import AssetRegisterReport
    from erp_core.ledger import reports as r
    from erp_core.projections.payroll import PayslipRow, RunSummaryRow
    from erp_core.projections.production import WorkOrderRow

    return {
        "trial-balance": r.TrialBalance,
        "balance-sheet": r.BalanceSheet,
        "income-statement": r.IncomeStatement,
        "cash-flow": CashFlowReport,
        "ledger": [r.LedgerLine],
        "events": [r.TrailEntry],
        "receivables": r.ReceivablesAging,
        "payables": r.PayablesAging,
        "customer-ledger": [r.CustomerLedgerRow],
        "supplier-ledger": [r.SupplierLedgerRow],
        "stock": r.StockBalance,
        "stock-ledger": [r.StockLedgerRow],
        "work-orders": [WorkOrderRow],
        "assets": AssetRegisterReport,
        "audit": None,
        "kpi": None,
        "payroll": [RunSummaryRow],
        "payslips": [PayslipRow],
        "process": None,
    }


# path, handler, schema key, summary, query parameters, the CLI command printing the same JSON
ENDPOINTS: list[tuple[str, Callable[[Request, Erp], str], str, str, tuple[Any, ...], str]] = [
    ("/api/trial-balance", trial_balance, "trial-balance", "Trial balance",
     (AS_OF, POSITION, KNOWN_AT), "erp report trial-balance --as-of D --format json"),
    ("/api/balance-sheet", balance_sheet, "balance-sheet", "Balance sheet",
     (AS_OF, POSITION, KNOWN_AT), "erp report balance-sheet --as-of D --format json"),
    ("/api/income-statement", income_statement, "income-statement", "Income statement",
     (FROM, TO, POSITION, KNOWN_AT), "erp report income-statement --from D --to D --format json"),
    ("/api/cash-flow", cash_flow, "cash-flow", "Cash-flow statement (IAS 7)",
     (FROM, TO, ("method", "string", "indirect (default) or direct")),
     "erp report cash-flow --from D --to D --method M --format json"),
    ("/api/accounts/{code}/ledger", account_ledger, "ledger", "An account's general ledger",
     (FROM, TO, OFFSET, LIMIT), "erp report general-ledger --account A --format json"),
    ("/api/documents/{number}/events", document_events, "events",
     "A document's stored events (its audit trail)", (), "erp audit trail DOC --format json"),
    ("/api/receivables", receivables, "receivables", "Receivables aging", (AS_OF,),
     "erp report receivables-aging --as-of D --format json"),
    ("/api/payables", payables, "payables", "Payables aging", (AS_OF,),
     "erp report payables-aging --as-of D --format json"),
    ("/api/customers/{code}/ledger", customer_ledger, "customer-ledger", "A customer's ledger",
     (), "erp report customer-ledger C --format json"),
    ("/api/suppliers/{code}/ledger", supplier_ledger, "supplier-ledger", "A supplier's ledger",
     (), "erp report supplier-ledger S --format json"),
    ("/api/stock", stock, "stock", "Stock balance per bin",
     (AS_OF, ("by_batch", "string", "1: one row per batch")),
     "erp report stock-balance --as-of D --format json"),
    ("/api/stock/ledger", stock_ledger, "stock-ledger", "Stock ledger",
     (("item", "string", "Only this item."), ("warehouse", "string", "Only this warehouse."),
      ("to", "date", "Up to this day."), OFFSET, LIMIT),
     "erp report stock-ledger --format json"),
    ("/api/work-orders", work_orders, "work-orders", "Production work orders",
     (("status", "string", "Only this state."), ("item", "string", "Only this item.")),
     "erp report work-orders --format json"),
    ("/api/assets", assets, "assets", "Asset register", (AS_OF,),
     "erp report asset-register --as-of D --format json"),
    ("/api/payroll", payroll, "payroll", "Payroll runs (totals)",
     (("year", "integer", "Only this year's runs."),),
     "erp report payroll-summary --format json"),
    ("/api/payroll/{run}/payslips", payslips, "payslips",
     "A payroll run's payslips (personal data: report:payslips)", (),
     "erp report payslips MONTH --include-reversed --format json, the run's slips"),
    ("/api/process", process, "process", "Process mining report of one object type",
     (("object_type", "string", "e.g. purchase_order (required)."), FROM, TO,
      ("time", "string", "recorded (default) or effective")),
     "erp report process --object-type T --format json"),
    ("/api/kpi", kpi, "kpi", "Gross margin, DSO, DIO, DPO, cash-conversion cycle", (FROM, TO),
     "erp report kpi --from D --to D --format json"),
    ("/api/audit", audit, "audit", "Hash chain verification and projection positions", (),
     "erp audit verify"),
]  # fmt: skip


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API: every route, its parameters, and the JSON Schema
    of its response (the report models' serialisation schema)."""
    import re

    from pydantic.json_schema import models_json_schema

    schemas = _schemas()
    models = sorted(
        {m if not isinstance(m, list) else m[0] for m in schemas.values() if m is not None},
        key=lambda m: m.__name__,
    )
    refs, top = models_json_schema(
        [(m, "serialization") for m in models], ref_template="#/components/schemas/{model}"
    )
    components: dict[str, Any] = dict(top.get("$defs", {}))
    error_schema = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
        "required": ["error", "status"],
    }
    components["Error"] = error_schema
    paths: dict[str, Any] = {}
    for path, _, key, summary, own, cli_command in ENDPOINTS:
        # every route answers "as known at" a log position or a moment too
        query = (*own, *(p for p in (POSITION, KNOWN_AT) if p not in own))
        model = schemas[key]
        if model is None:
            body: dict[str, Any] = {"type": "object"}
        elif isinstance(model, list):
            body = {"type": "array", "items": refs[(model[0], "serialization")]}
        else:
            body = refs[(model, "serialization")]
        fmt = {"date": "date", "date-time": "date-time"}
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"},
            }
            for name in re.findall(r"{(\w+)}", path)
        ] + [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": text,
                "schema": (
                    {"type": "string", "format": fmt[kind]}
                    if kind in fmt
                    else {"type": "integer", "minimum": 0}
                    if kind == "integer"
                    else {"type": "string"}
                ),
            }
            for name, kind, text in query
        ]
        errors = {
            str(status): {
                "description": text,
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            for status, text in (
                (400, "a parameter is not valid"),
                (401, "access control is on and the request has no session or token"),
                (403, "the user may not read this report"),
                (404, "no such account or document"),
            )
        }
        paths[path] = {
            "get": {
                "operationId": key,
                "summary": summary,
                "description": f"The same JSON as `{cli_command}`.",
                "parameters": parameters,
                "responses": {
                    "200": {"description": summary, "content": {JSON: {"schema": body}}},
                    **errors,
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "erp_core read-only API",
            "version": "1",
            "description": "The books over HTTP: the same report models as the library and "
            "the CLI's --format json. Read-only: GET only.",
        },
        "components": {
            "schemas": components,
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "erp_session"},
            },
        },
        "security": [{}, {"token": []}, {"session": []}],
        "paths": paths,
    }


def _session(console: Console, request: Request) -> Session | None:
    """The browser's session, or a program's bearer token (checked like a login)."""
    session = console.session_of(request)
    if session is not None:
        return session
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    from erp_core.access.reading import token_owner
    from erp_core.web.app import Session

    with console.lock:
        user = token_owner(console.erp.ledger, token.strip())
    return Session(user, token.strip(), "") if user else None


def _endpoint(console: Console, handler: Callable[[Request, Erp], str]) -> Callable[..., Any]:
    def answer(request: Request) -> Response:
        on = console.access_on()
        session = _session(console, request) if on else None
        if on and session is None:
            return error(
                401,
                "log in first, or send an API token as Authorization: Bearer <token>",
                **{"WWW-Authenticate": 'Bearer realm="erp"'},
            )
        try:
            from erp_core.web.app import known_at

            with console.acting(session) as erp:
                moment = known_at(request.query_params)
                return _json(handler(request, erp if moment is None else console.books_at(moment)))
        except NotFound as exc:
            return error(404, str(exc))
        except AccessDenied as exc:
            return error(403, str(exc))
        except ValidationError as exc:
            return error(400, str(exc))
        except ErpError as exc:
            return error(409, str(exc))

    async def run(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(answer, request)

    return run


def routes(console: Console) -> list[Route]:
    document: list[str] = []  # built on the first request (pydantic's schema generation)

    async def schema(request: Request) -> Response:
        if not document:
            document.append(json.dumps(openapi(), indent=2))
        return _json(document[0])

    return [Route("/api/openapi.json", schema, methods=["GET"])] + [
        Route(path, _endpoint(console, handler), methods=["GET"]) for path, handler, *_ in ENDPOINTS
    ]
