"""Stages: moving an idea through the funnel, its history, and the review cadence."""
