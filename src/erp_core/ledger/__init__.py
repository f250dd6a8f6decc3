"""The general ledger: company, chart of accounts, fiscal calendar, journal vouchers, posting
(what every area's posting rules share), reports and the reconciliation checks."""
