"""Dashboard statistics for supervisors and admins (definitions in ``api.services.stats``).

Squad members get 403 rather than numbers scoped to their squad: precision and review times
judge the reviewers' work, which is not theirs to see.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.db.models import User
from api.routes.auth import AuthDependencies, require_role
from api.security.users import Role
from api.services.stats import MAX_DAYS, Stats, load_stats, parse_range

SessionDependency = Callable[[], Iterator[Session]]
STATS_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in."},
    403: {"description": "Only supervisors and admins see the statistics."},
    422: {"description": f"A date that is not YYYY-MM-DD, from after to, over {MAX_DAYS} days."},
}


def build_router(get_session: SessionDependency, auth: AuthDependencies) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["stats"])

    @router.get("/stats", response_model=Stats, responses=STATS_ANSWERS)
    def stats(
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        from_day: Annotated[
            str | None,
            Query(alias="from", max_length=32, description="First Asia/Shanghai day, included."),
        ] = None,
        to_day: Annotated[
            str | None,
            Query(alias="to", max_length=32, description="Last Asia/Shanghai day, included."),
        ] = None,
    ) -> Stats:
        """Detected, confirmed and rejected tickets per squad, type, camera × type and day,
        with precision and the times to confirm and to rectify. Without dates: the last
        30 days, today in Shanghai included."""
        require_role(user, Role.SUPERVISOR, Role.ADMIN)
        return load_stats(session, parse_range(from_day, to_day, datetime.now(UTC)))

    return router
