"""manage_webhook: written with the webhooks layer (issue 12)."""
