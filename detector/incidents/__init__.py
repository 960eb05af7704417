"""Incidents: what the rules raise and what evidence bundles and tickets are about."""

from detector.incidents.record import IncidentRecord

__all__ = ["IncidentRecord"]
