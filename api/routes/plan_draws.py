"""Double random, one public (双随机、一公开) over HTTP: supervisors and admins draw; everyone,
logged in or not, reads the draws, their results, a CSV export and a re-check from the seed.

Recording is the same as ``streetorder plan draw`` (``api.plan.draw``): a second draw for a
period is a redraw, kept in the audit chain and shown as such. Draws do not depend on the plan
file, so they work without one.
"""

import unicodedata
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from api.db.models import User
from api.domain.audit import AuditRecord
from api.plan.draw import PERIOD_PATTERN, SEED_PATTERN, DrawError, draw, load_inputs, record_draw
from api.routes.auth import AuthDependencies, require_role
from api.security.users import Role
from api.services import plan_draws, plan_progress
from api.services.plan_draws import DrawResults, DrawSummary, Verification

SessionDependency = Callable[[], Iterator[Session]]
PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="YYYY-MM.")]
READ_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No draw recorded for the period."},
}
DRAW_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in."},
    403: {"description": "Only supervisors and admins draw."},
    409: {"description": "Nothing to draw from (no supervisors or no key points)."},
}


class DrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=PERIOD_PATTERN, description="The month drawn for, YYYY-MM.")
    seed: str = Field(
        min_length=1,
        max_length=128,
        pattern=SEED_PATTERN,
        description="The public seed, announced before the draw (no '|').",
    )
    key_points: int | None = Field(
        default=None, ge=1, le=100_000, description="How many key points; default: all."
    )

    @field_validator("seed")
    @classmethod
    def _printable(cls, value: str) -> str:
        # A seed is read out and typed in again by whoever checks the draw.
        if any(unicodedata.category(char).startswith("C") for char in value):
            raise ValueError("the seed must be printable text (no control characters)")
        return value


def _records(session: Session, period: str) -> list[AuditRecord]:
    records = plan_draws.draw_records(session, period)
    if not records:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no draw recorded for {period}")
    return records


def build_router(get_session: SessionDependency, auth: AuthDependencies) -> APIRouter:
    router = APIRouter(prefix="/api/v1/plan/draws", tags=["draws"])

    @router.post(
        "", response_model=DrawResults, status_code=status.HTTP_201_CREATED, responses=DRAW_ANSWERS
    )
    def make_draw(
        body: DrawRequest,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> DrawResults:
        """Draw the period's key points and their inspectors from the registry now and publish
        it; drawing a period again records a redraw (the earlier draw stays visible)."""
        require_role(user, Role.SUPERVISOR, Role.ADMIN)
        try:
            published = draw(
                load_inputs(session), period=body.period, seed=body.seed, key_points=body.key_points
            )
        except DrawError as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
        record_draw(session, published, actor=user.username, now=plan_progress.utc_now())
        return plan_draws.results_of(session, _records(session, body.period))

    @router.get("", response_model=list[DrawSummary])
    def list_draws(
        session: Annotated[Session, Depends(get_session, scope="function")],
    ) -> list[DrawSummary]:
        """Every period with a draw (newest first): the draw in force and whether it was
        redrawn. Public: no log-in needed."""
        return plan_draws.list_draws(session)

    # Before "/{period}": that pattern would also take "2026-12.csv".
    @router.get("/{period}.csv", response_class=Response, responses=READ_ANSWERS)
    def draw_csv(
        period: PeriodPath, session: Annotated[Session, Depends(get_session, scope="function")]
    ) -> Response:
        """The draw and its results, one line per drawn key point (UTF-8 with BOM)."""
        results = plan_draws.results_of(session, _records(session, period))
        return Response(
            plan_draws.draw_csv(results),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="draw-{period}.csv"'},
        )

    @router.get("/{period}", response_model=DrawResults, responses=READ_ANSWERS)
    def draw_results(
        period: PeriodPath, session: Annotated[Session, Depends(get_session, scope="function")]
    ) -> DrawResults:
        """The draw in force for the month, the draws it replaced, and per drawn key point its
        inspections in the month (by whom) and the tickets raised there by status."""
        return plan_draws.results_of(session, _records(session, period))

    @router.get("/{period}/verify", response_model=Verification, responses=READ_ANSWERS)
    def verify_draw(
        period: PeriodPath, session: Annotated[Session, Depends(get_session, scope="function")]
    ) -> Verification:
        """Draw again from the published seed and today's registry: whether it gives the
        same draw, and if not whether the inputs changed since or the procedure differs."""
        published = plan_draws.published_draw(_records(session, period))
        return plan_draws.verify(session, published)

    return router
