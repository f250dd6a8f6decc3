"""Parties: what payables, receivables (and later payroll) share: open items, allocations of
payments to them, settlement checks and due dates."""
