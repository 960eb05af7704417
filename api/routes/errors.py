"""Domain errors to HTTP status codes, in one place for every route."""

from fastapi import Request, status
from fastapi.responses import JSONResponse

from api.domain import DomainError, TransitionRefusedError, ValidationFailedError
from api.services.camera_streams import StreamConflictError
from api.services.tickets import NotFoundError
from api.storage import BundleConflictError, BundleRejectedError

STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (ValidationFailedError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (BundleRejectedError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (TransitionRefusedError, status.HTTP_409_CONFLICT),
    (BundleConflictError, status.HTTP_409_CONFLICT),
    (StreamConflictError, status.HTTP_409_CONFLICT),
)
"""Any other domain error means the request conflicts with the current state: 409."""


def status_for(error: DomainError) -> int:
    for kind, code in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return code
    return status.HTTP_409_CONFLICT


async def domain_error_handler(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)  # registered for DomainError only
    return JSONResponse({"detail": str(error)}, status_code=status_for(error))
