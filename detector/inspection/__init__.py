"""Inspection rounds and look-backs (回头看): the camera side of the supervision plan."""
