"""The service's plan: read once from ``STREETORDER_PLAN_FILE`` when the app is built.

A bad file stops the service with one line naming the file, field and value (a plan that is
silently ignored would show every squad on target). Routes get the ``Plan`` or ``None`` and
answer 404 through ``require_plan`` when there is none.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException

from api.plan.model import Plan
from detector.configfile import load_yaml_model

NO_PLAN = "no supervision plan configured: set STREETORDER_PLAN_FILE (see docs/plan-2026.yaml)"


def load_plan(path: Path | None) -> Plan | None:
    """The plan in ``path``, or ``None`` without one; ``ConfigError`` for a bad file."""
    return None if path is None else load_yaml_model(path, Plan)


def require_plan(plan: Plan | None) -> Plan:
    """For routes: the plan, or HTTP 404 saying how to configure one."""
    if plan is None:
        raise HTTPException(status_code=404, detail=NO_PLAN)
    return plan
