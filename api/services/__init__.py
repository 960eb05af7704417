"""Service layer: domain rules applied to the database, one transaction each."""
