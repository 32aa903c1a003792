"""Finding ideas: full-text search and the similarity check while someone types."""
