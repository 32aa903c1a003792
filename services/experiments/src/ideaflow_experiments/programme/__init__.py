"""The experiment programme of a period at a glance: `GET /v1/programme`."""
