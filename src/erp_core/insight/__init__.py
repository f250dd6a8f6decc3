"""Process monitoring and decision support: the pure core.

``ocel``: an object-centric event log (OCEL 2.0) and its JSON and SQLite writers.
``metrics``: process metrics over that log (cycle times, waits, bottlenecks, rework,
variants, conformance, segregation of duties, workload and hand-overs).
``kpi``: working-capital figures (DSO, DPO, DIO, cash-conversion cycle) from plain numbers.
"""
