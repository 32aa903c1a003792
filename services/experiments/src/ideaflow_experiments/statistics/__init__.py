"""Pure statistics for verdicts and planning: no I/O, standard library only (formulas in docs/statistics.md)."""
