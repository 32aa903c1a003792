"""Typed clients for calls between services."""
