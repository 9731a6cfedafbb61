"""deliver_webhooks: written with the webhooks layer (issue 12)."""
