"""Challenges (brainstorm campaigns): `/v1/challenges`."""
