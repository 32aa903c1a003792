"""Ideaflow's common library: what the three services and the gateway all need."""
