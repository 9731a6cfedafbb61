"""Operator tooling: provision merchants and payment apps (`python -m admin --help`)."""

from admin.service import AdminService, AppChanges, NewApp, Target

__all__ = ["AdminService", "AppChanges", "NewApp", "Target"]
