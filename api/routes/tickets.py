"""Tickets for people: list, read and act — squad members only see their squad's."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import Ticket, User
from api.domain import (
    Action,
    Confirm,
    Dispatch,
    Merge,
    Reclassify,
    Rectify,
    Reinspect,
    Reject,
)
from api.routes.auth import MAX_ID, AuthDependencies, parse_ticket_id, visible
from api.routes.photos import require_photo
from api.routes.ticket_list import (
    SORT_PATTERN,
    SortOrder,
    TicketFilters,
    base_query,
    decode_cursor,
    encode_cursor,
)
from api.security.users import Role
from api.services.tickets import act, ticket_key
from api.storage import DirectoryStore

SessionDependency = Callable[[], Iterator[Session]]
SQUAD_ACTIONS = frozenset({"rectify"})
"""What a squad member may do; reviewing and dispatching is the supervisors' job."""
ACTION_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in."},
    403: {"description": "This role may not do this, or a cookie session sent no CSRF token."},
    404: {"description": "No such ticket (or another squad's)."},
    409: {"description": "Not allowed from the ticket's status; the message names what is."},
    422: {"description": "The action does not fit (a past deadline, an unknown type…)."},
}


class TicketView(BaseModel):
    ticket: str
    """``T-<n>``."""
    incident_id: str
    type: str
    """Violation code from datasets/taxonomy.yaml (after any reclassification)."""
    status: str
    priority: str
    camera: str
    key_point: str
    """The key point's code."""
    category: str
    """The key point's category (school, hospital…)."""
    squad: str
    """The squad's code."""
    squad_id: int
    first_seen_at: datetime | None
    raised_at: datetime
    ended_at: datetime | None
    """When the thing was gone again; null while it is still there."""
    deadline: datetime | None
    box_xyxy: tuple[float, float, float, float]
    """The incident box (x1, y1, x2, y2) in pixels of the camera's frame."""
    score: float
    scores: dict[str, float]
    manifest_sha256: str | None
    """The evidence bundle's manifest hash; null until the bundle is uploaded."""
    state: dict[str, Any]


def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            max_length=40,
            description="The ticket version (state.version) the decision was made on; "
            "409 if the ticket changed since.",
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "If-Match: give the ticket's version number"
        )
    return int(text)


ExpectedVersion = Annotated[int | None, Depends(expected_version)]


def _view(row: Ticket, key_point: str, category: str, squad: str) -> TicketView:
    return TicketView(
        ticket=ticket_key(row.id),
        incident_id=row.incident_id,
        type=row.type,
        status=row.status,
        priority=row.priority,
        camera=row.camera_id,
        key_point=key_point,
        category=category,
        squad=squad,
        squad_id=row.squad_id,
        first_seen_at=row.first_seen_at,
        raised_at=row.raised_at,
        ended_at=row.ended_at,
        deadline=row.deadline,
        box_xyxy=row.box(),
        score=row.score,
        scores=row.scores,
        manifest_sha256=row.manifest_sha256,
        state=row.state,
    )


def build_router(
    get_session: SessionDependency,
    database: Database,
    auth: AuthDependencies,
    store: DirectoryStore,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["tickets"])

    def one(session: Session, user: User, ticket: str) -> TicketView:
        found = session.execute(base_query().where(Ticket.id == parse_ticket_id(ticket))).first()
        row, key_point, category, squad = found if found is not None else (None, "", "", "")
        return _view(visible(row, user, ticket), key_point, category, squad)

    @router.get("/tickets", response_model=list[TicketView])
    def list_tickets(
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        filters: Annotated[TicketFilters, Depends()],
        sort: Annotated[
            str,
            Query(
                pattern=SORT_PATTERN,
                description="Up to three of id, raised_at, score, priority; '-' for "
                "descending, e.g. '-priority,score' (urgent first, least sure first).",
            ),
        ] = "id",
        cursor: Annotated[
            str | None,
            Query(max_length=512, description="X-Next-Cursor of the previous page."),
        ] = None,
        after: Annotated[
            int | None, Query(ge=0, le=MAX_ID, description="Ids past this one (sort by id).")
        ] = None,
        newest_first: Annotated[bool, Query(description="Shorthand for sort=-id.")] = False,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> list[TicketView]:
        """Tickets matching every filter, a page at a time: the answer's ``X-Next-Cursor``
        header, passed back as ``cursor``, gives the next page (absent on the last one)."""
        order = SortOrder.parse("-id" if newest_first and sort == "id" else sort)
        query = filters.apply(base_query())
        if user.role == Role.SQUAD_MEMBER:
            query = query.where(Ticket.squad_id == user.squad_id)
        if after is not None:
            if order.keys[0][0] != "id":
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    "after: only with sort=id or -id; use cursor",
                )
            query = query.where(Ticket.id < after if order.keys[0][1] else Ticket.id > after)
        if cursor is not None:
            query = query.where(order.after(decode_cursor(order, cursor)))
        rows = session.execute(query.order_by(*order.order_by()).limit(limit + 1)).all()
        page = rows[:limit]
        if len(rows) > limit:
            response.headers["X-Next-Cursor"] = encode_cursor(order, page[-1][0])
        return [_view(*row) for row in page]

    @router.get("/tickets/{ticket}", response_model=TicketView)
    def get_ticket(
        ticket: str,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        return one(session, user, ticket)

    def perform(
        ticket: str, action: Action, session: Session, user: User, version: int | None
    ) -> TicketView:
        row = visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket)
        if user.role == Role.SQUAD_MEMBER and action.action not in SQUAD_ACTIONS:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"squad members cannot {action.action}")
        if isinstance(action, Rectify):
            require_photo(store, ticket_key(row.id), action.photo_ref)
        now = datetime.now(UTC)
        act(database, row.id, action, actor=user.username, now=now, expected_version=version)
        session.expire_all()
        return one(session, user, ticket)

    @router.post("/tickets/{ticket}/confirm", response_model=TicketView, responses=ACTION_ANSWERS)
    def confirm(
        ticket: str,
        body: Confirm,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        version: ExpectedVersion = None,
    ) -> TicketView:
        """The violation is real (supervisors)."""
        return perform(ticket, body, session, user, version)

    @router.post("/tickets/{ticket}/reject", response_model=TicketView, responses=ACTION_ANSWERS)
    def reject(
        ticket: str,
        body: Reject,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        version: ExpectedVersion = None,
    ) -> TicketView:
        """Not a violation: false detection, permitted activity, duplicate or other (+ note)."""
        return perform(ticket, body, session, user, version)

    @router.post("/tickets/{ticket}/dispatch", response_model=TicketView, responses=ACTION_ANSWERS)
    def dispatch(
        ticket: str,
        body: Dispatch,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        version: ExpectedVersion = None,
    ) -> TicketView:
        """Send a confirmed ticket to a squad with a deadline (UTC)."""
        return perform(ticket, body, session, user, version)

    @router.post("/tickets/{ticket}/rectify", response_model=TicketView, responses=ACTION_ANSWERS)
    def rectify(
        ticket: str,
        body: Rectify,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        version: ExpectedVersion = None,
    ) -> TicketView:
        """The squad put the place right (photo and note); squad members may do this."""
        return perform(ticket, body, session, user, version)

    @router.post("/tickets/{ticket}/reinspect", response_model=TicketView, responses=ACTION_ANSWERS)
    def reinspect(
        ticket: str,
        body: Reinspect,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        version: ExpectedVersion = None,
    ) -> TicketView:
        """Look back: ``pass`` closes the ticket, ``fail`` sends it back to the squad."""
        return perform(ticket, body, session, user, version)

    @router.post(
        "/tickets/{ticket}/reclassify", response_model=TicketView, responses=ACTION_ANSWERS
    )
    def reclassify(
        ticket: str,
        body: Reclassify,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        version: ExpectedVersion = None,
    ) -> TicketView:
        """Correct the violation type of an open ticket."""
        return perform(ticket, body, session, user, version)

    @router.post("/tickets/{ticket}/merge", response_model=TicketView, responses=ACTION_ANSWERS)
    def merge(
        ticket: str,
        body: Merge,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        version: ExpectedVersion = None,
    ) -> TicketView:
        """Fold this ticket into another open one about the same violation."""
        return perform(ticket, body, session, user, version)

    return router


def read_ticket_view(session: Session, number: int) -> TicketView | None:
    """Ticket ``T-<number>`` as the API shows it, whoever asks (callers check visibility)."""
    found = session.execute(base_query().where(Ticket.id == number)).first()
    return None if found is None else _view(*found)
