"""HR's pure core: effective-dated employee records and performance-review scoring.
No I/O and no imports from the rest of `erp_core` (it reuses `erp_core.kernel.formulas`)."""
