"""Evaluation: per-organisation criteria, author-blind reviews, aggregates and rankings."""
