"""Partner organisations and their collaborations on experiments: `/v1/partners`."""
