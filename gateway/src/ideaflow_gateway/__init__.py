"""The gateway: the one public entry point of Ideaflow."""
