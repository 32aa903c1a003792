"""Customers: `/v1/customers`, keyed by their source system's id, erasable."""
