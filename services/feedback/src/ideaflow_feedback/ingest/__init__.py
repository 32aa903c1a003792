"""Bulk ingest: `/v1/feedback/batches` (and, later, file imports)."""
