"""Data migration and import: the pure core.

Read CSV and XLSX files into numbered rows of text (`reader`), turn them into typed records with a
TOML mapping (`mapping`), cleanse them and report likely duplicates (`cleansing`), and check them
before anything is stored (`checks`). Nothing here touches the event store: the wiring step turns
accepted records into ordinary actions.
"""
