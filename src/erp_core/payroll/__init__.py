"""Payroll's pure core: salary-component formulas, progressive income tax, payslips and the
accrual journal of a payroll run. No I/O and no imports from the rest of `erp_core`."""
