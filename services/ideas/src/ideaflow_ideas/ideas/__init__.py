"""Ideas: `/v1/ideas`."""
