"""Up-votes and dots on ideas: `/v1/ideas/{idea_id}/vote` and `/v1/ideas/{idea_id}/dots`."""
