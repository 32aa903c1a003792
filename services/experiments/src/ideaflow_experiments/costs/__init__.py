"""Cost entries of an experiment's budget: `/v1/experiments/{id}/costs`."""
