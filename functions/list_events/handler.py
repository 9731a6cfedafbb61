"""list_events: written with the webhooks layer (issue 12)."""
