"""Assumptions an idea rests on, ranked by risk: `/v1/assumptions`."""
