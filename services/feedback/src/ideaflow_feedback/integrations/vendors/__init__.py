"""One module per sender: how it signs, and how its payload maps to feedback and customers."""

from ideaflow_feedback.integrations.models import IntegrationType
from ideaflow_feedback.integrations.vendors import generic, hubspot, intercom, zendesk
from ideaflow_feedback.integrations.vendors.base import Vendor

VENDORS = {
    IntegrationType.GENERIC: Vendor(verify=generic.verify, events=generic.events),
    IntegrationType.ZENDESK: Vendor(verify=zendesk.verify, events=zendesk.events),
    IntegrationType.HUBSPOT: Vendor(verify=hubspot.verify, events=hubspot.events),
    IntegrationType.INTERCOM: Vendor(verify=intercom.verify, events=intercom.events),
}
