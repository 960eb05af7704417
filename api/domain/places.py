"""What an admin registers: squads (中队), key points and the cameras watching them.

Pure models with their own checks; ``api.services.places`` writes them. The same shapes are
the request bodies of the admin routes and the entries of a places YAML file.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from detector.incidents.taxonomy import load_taxonomy

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
"""A stable short name: letters, digits, ``_ . -``; the same rule as camera ids."""
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SquadSpec(_Spec):
    name: Name = Field(description="The squad's name, e.g. 东街中队.")


class KeyPointSpec(_Spec):
    name: Name = Field(description="The place, e.g. XX医院东门.")
    category: str = Field(description="Key-point category code from datasets/taxonomy.yaml.")
    squad: Code = Field(description="Code of the squad whose area it lies in.")

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        codes = load_taxonomy().key_point_codes
        if value not in codes:
            raise ValueError(f"unknown key-point category {value!r}; known: {', '.join(codes)}")
        return value


class CameraSpec(_Spec):
    name: str = Field("", max_length=200, description="A name people recognise.")
    key_point: Code = Field(description="Code of the key point the camera watches.")
    squad: Code | None = Field(
        None, description="Squad that acts on its tickets; default: the key point's squad."
    )


class SquadEntry(SquadSpec):
    code: Code


class KeyPointEntry(KeyPointSpec):
    code: Code


class CameraEntry(CameraSpec):
    id: Code


class PlacesFile(_Spec):
    """A places YAML file: applied in order squads → key points → cameras, idempotently."""

    squads: tuple[SquadEntry, ...] = Field((), max_length=1000)
    key_points: tuple[KeyPointEntry, ...] = Field((), max_length=100_000)
    cameras: tuple[CameraEntry, ...] = Field((), max_length=100_000)
