"""Learnings (learning cards): `/v1/learnings`, the organisation's searchable memory of what was tried."""
