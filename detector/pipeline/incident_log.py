"""``incidents.jsonl``: one JSON object per incident, rewritten atomically as incidents change."""

from __future__ import annotations

import json
from pathlib import Path

from detector.errors import StreetOrderError
from detector.incidents.record import IncidentRecord


class IncidentLog:
    """The latest state of every incident of a run, in the order they were raised.

    Other tools read the file while a run goes on, so it is replaced atomically (write to a
    temporary file, then rename) and always holds complete lines.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._incidents: dict[str, IncidentRecord] = {}
        self.previous = self._load()
        """Incidents of earlier runs into the same folder: kept, never overwritten by a restart."""

    def _load(self) -> int:
        if not self.path.is_file():
            return 0
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = IncidentRecord.model_validate_json(line)
            except ValueError as exc:
                raise StreetOrderError(
                    f"{self.path}: line {number} is not an incident ({exc.__class__.__name__}); "
                    "move the file away to start afresh"
                ) from None
            self._incidents[record.id] = record
        return len(self._incidents)

    @property
    def incidents(self) -> list[IncidentRecord]:
        """Every incident in the file, earlier runs' first."""
        return list(self._incidents.values())

    def get(self, incident_id: str) -> IncidentRecord | None:
        return self._incidents.get(incident_id)

    def upsert(self, incident: IncidentRecord) -> None:
        self._incidents[incident.id] = incident
        self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.partial")
        lines = [
            json.dumps(i.model_dump(mode="json"), ensure_ascii=False)
            for i in self._incidents.values()
        ]
        partial.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        partial.replace(self.path)
