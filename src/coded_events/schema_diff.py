"""Deprecated path: see ``coded_events._moved``."""

from coded_events._moved import alias

alias(__name__)
