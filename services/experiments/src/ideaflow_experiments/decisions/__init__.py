"""The decision on a concluded experiment: `/v1/experiments/{id}/decision`."""
