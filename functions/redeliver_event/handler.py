"""redeliver_event: written with the webhooks layer (issue 12)."""
