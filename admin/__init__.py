"""Operator tooling, not deployed: provision merchants and payment apps (`python -m admin --help`).

cli.py is the command line; service.py, signing_keys.py and callbacks.py do the work on the deployment
that target.py finds; models.py holds what they take and return.
"""
