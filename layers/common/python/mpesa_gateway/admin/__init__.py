"""Operator tooling: provision merchants and payment apps (`python -m mpesa_gateway.admin --help`)."""

from mpesa_gateway.admin.service import AdminService, AppChanges, NewApp, Target

__all__ = ["AdminService", "AppChanges", "NewApp", "Target"]
