"""Deprecated path: see ``coded_events._moved``."""

from coded_events._moved import forward

__getattr__ = forward(__name__)
