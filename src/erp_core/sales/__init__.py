"""Sales: customers with credit limits, orders with credit approval, deliveries at cost,
invoices, receipts and allocations, returns and credit notes, margin and forecasts."""
