"""How Ideaflow is run: containers, manifests, and the local stack of `dev.py run`."""
