"""Operating the books: projection status and rebuilds, the demo company (and, later, backup,
restore and moving between databases)."""
