"""Fixed assets: the pure core of depreciation schedules and disposals.

`depreciation` computes schedules (straight line, declining balance, sum-of-years' digits, units
of production under four conventions), prospective re-bases (changes in estimate, impairment,
capitalised costs, imported opening accumulated depreciation) and catch-up to a disposal date;
`disposal` turns a carrying amount and proceeds into balanced disposal lines. No I/O, no imports
from the rest of erp_core.
"""
