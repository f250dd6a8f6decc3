"""A read-only web console over the books (`erp serve`): statements with drill-down from every
figure to its account's general ledger, from every journal line to its document's events and
the chain hash at their positions; aging, stock, work orders, assets, process maps and audit
status. Starlette, uvicorn and Jinja2 templates; nothing is fetched from the internet."""
