"""Metrics of an experiment, their results and the verdict computed from them."""
