"""Feedback items: `/v1/feedback`."""
