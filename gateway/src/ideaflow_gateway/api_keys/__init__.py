"""API keys: `/v1/api-keys`, and how callers are recognised by them."""
