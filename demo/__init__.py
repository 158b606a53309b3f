"""Realistic demo data for ``manage.py seed_demo``.

Generation (numpy, deterministic per seed) is kept apart from writing (``load``) so the
same frames can be bulk-loaded into SQLite or PostgreSQL.
"""
