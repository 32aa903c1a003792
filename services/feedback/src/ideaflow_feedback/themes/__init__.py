"""Themes: recurring needs found in feedback as it arrives (`/v1/themes`)."""
