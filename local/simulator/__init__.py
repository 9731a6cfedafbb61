"""A local stand-in for Safaricom's Daraja API, for development and end-to-end tests."""

from local.simulator.app import create_app
from local.simulator.settings import DEMO_SETTINGS, SimulatorSettings
from local.simulator.state import SimulatorState, get_state

__all__ = ["DEMO_SETTINGS", "SimulatorSettings", "SimulatorState", "create_app", "get_state"]
