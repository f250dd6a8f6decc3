"""Procurement: suppliers, purchase plans and orders with approval, receipts with acceptance,
three-way-matched supplier invoices, payments and allocations."""
