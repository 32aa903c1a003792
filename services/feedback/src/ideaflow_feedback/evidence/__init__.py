"""Feedback as evidence for ideas: links, evidence, demand ranking and closing the loop."""
