"""The kernel: money, errors, the base classes of events, actions and aggregates, the unit of
work, the handler context and the registry. It imports nothing from the rest of erp_core."""
