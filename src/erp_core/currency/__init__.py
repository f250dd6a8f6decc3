"""Currency: the exchange-rate table, the exchange-difference accounts and revaluation."""
