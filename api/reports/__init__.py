"""Supervision paperwork from the tickets: repeat places and their escalation (重点督办),
printable notices (监督文书) and monthly or quarterly reports (HTML, PDF, CSV)."""
