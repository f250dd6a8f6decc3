"""Period-end revaluation of foreign-currency open items (after payables and receivables)."""
