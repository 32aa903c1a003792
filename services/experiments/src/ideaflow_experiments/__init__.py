"""The experiments service."""
