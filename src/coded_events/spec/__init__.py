"""The specification: what the package declares once (versions, dataset layout, tables)."""
