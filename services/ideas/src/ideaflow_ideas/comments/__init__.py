"""Comments on ideas: `/v1/ideas/{idea_id}/comments`."""
