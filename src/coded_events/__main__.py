"""``python -m coded_events`` runs the command line."""

from coded_events.cli import main

main()
