"""Monthly indicators, rankings and printable documents (DESIGN.md §5); the indicator store
arrives with the indicators work."""
