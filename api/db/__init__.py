"""The ticket service's database: typed ORM models, engines, sessions and migrations."""
