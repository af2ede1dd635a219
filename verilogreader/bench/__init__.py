"""`verilogreader bench`: every design x strategy x seed of a suite, at equal budgets, and the
comparison reports built from it."""
