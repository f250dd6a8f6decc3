"""Production: bills of materials, MRP planning and work-order costing at actual cost.

This package holds the pure domain core of the production area: immutable value types and pure
functions, no I/O and no imports from the rest of `erp_core`.

- `bom`: versioned, validated bills of materials, a registry of the latest version per item that
  refuses cycles (naming them), and exact multi-level explosion.
- `planning`: MRP netting of demand against stock and open orders, level by level (low-level
  codes), giving planned work orders and planned purchases.
- `costing`: work-order costing at actual cost (issue, return at original issue cost, absorbed
  labour and overhead, partial completions with by-products and scrap, close to a variance) and
  the balanced journal lines of each step.
- `errors`: the errors the core raises (each naming the field and the reason).
"""
