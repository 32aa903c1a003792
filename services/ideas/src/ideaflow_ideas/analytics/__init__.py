"""Analytics over ideas: participation, the funnel, time in stage and how fast ideas are answered."""
