"""Inventory: items, warehouses, stock bins valued FIFO or at moving average, receipts, issues,
transfers and counts, each with its journal."""
