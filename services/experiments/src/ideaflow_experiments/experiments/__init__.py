"""Experiments: `/v1/experiments`."""
