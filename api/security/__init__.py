"""Credentials: detector nodes' API keys (and, later, users' passwords and sessions)."""
