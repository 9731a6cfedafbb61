"""Safaricom Daraja: HTTP client, the shared token cache, credentials and formats."""
