"""Integrations: `/v1/integrations`, CRMs and helpdesks that post feedback as signed webhooks."""
