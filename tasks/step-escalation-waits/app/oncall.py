"""Who gets paged, in order, when an incident is not acknowledged."""

ESCALATION_CHAIN = ["primary-oncall", "secondary-oncall", "engineering-manager"]
