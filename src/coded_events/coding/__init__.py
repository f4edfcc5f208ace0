"""The coder's workflow: start a source (``new``), repair what is mechanical (``fix``),
measure agreement between two codings (``agree``), on a reusable one-to-one matcher
(``matching``). Each module has one job; the command line lives in
``coded_events.cli.coding_cmd``.
"""
