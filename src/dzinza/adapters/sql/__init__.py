"""Storage on SQLite or PostgreSQL through SQLAlchemy Core: tables, migrations, repositories."""
