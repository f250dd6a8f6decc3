"""Business documents rendered from the log: purchase orders, goods receipt notes, payment
advices, sales order confirmations, delivery notes, invoices, credit notes and statements of
account, as HTML (Jinja2) and PDF (fpdf2), each carrying a verification block that
`erp document verify` checks against the log."""
