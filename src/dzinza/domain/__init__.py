"""The genealogy domain in pure Python: no framework, no database, no network."""
