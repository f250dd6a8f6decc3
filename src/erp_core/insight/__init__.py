"""Process monitoring and decision support.

The pure core: ``ocel`` (an object-centric event log, OCEL 2.0, and its JSON and SQLite
writers), ``metrics`` (cycle times, waits, bottlenecks, rework, variants, conformance,
segregation of duties, workload and hand-overs), ``kpi`` (working-capital and operational
figures from plain numbers). Over the book: ``mapping`` (stored events to the log), ``reports``
(the OCEL export, named processes, conformance, KPIs), ``operations`` (OTIF, supplier on-time,
yield, schedule adherence, payroll per head), ``budgets``/``variance`` (budgets entered with
``set_budget`` and budget against actual), ``charts`` and ``pack`` (the management pack).
"""
