"""Session comparison: change per side, called real only beyond the detectable difference.

A change between two sessions counts as real only when it exceeds the smallest detectable
difference of 2D pelvic drop (the profile's ``sdd_deg``, 2.7-2.8° in Dingenen et al. 2018) or,
for noisy clips, the two readings' combined uncertainty, whichever is larger. A pair whose
sides match only crosswise (left of one with right of the other) is reported as swapped: a
mirrored recording or exchanged labels, not a change in the patient.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Self

from hipdrop.errors import HipdropError
from hipdrop.io.outputs import read_summary

if TYPE_CHECKING:
    import pandas as pd

    from hipdrop.analysis.findings import Findings

SIDES = ("left", "right")
OTHER = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class Session:
    """One analysed session: its summary and how to call it."""

    label: str
    summary: dict
    source: str

    @property
    def date(self) -> str | None:
        return (self.summary.get("session") or {}).get("session_date")

    def peak(self, side: str) -> float | None:
        if not self.summary.get("usable", False):
            return None
        return self.summary["sides"][side].get("peak_drop_deg")

    def uncertainty(self, side: str) -> float:
        value = self.summary.get("sides", {}).get(side, {}).get("uncertainty_deg")
        return float(value) if value is not None and math.isfinite(value) else 0.0


def load_session(source: Path | str | dict | Findings) -> Session:
    """An output folder, a summary.json, a summary dict or :class:`Findings`."""
    if isinstance(source, dict):
        return Session(_label(source, "session"), source, "summary")
    if hasattr(source, "summary") and isinstance(source.summary, dict):
        name = source.summary["provenance"].get("input_name", "analysis")
        return Session(_label(source.summary, name), source.summary, name)
    path = Path(source)
    summary, file = read_summary(path)
    fallback = path.name if path.is_dir() else file.parent.name or file.stem
    return Session(_label(summary, fallback), summary, str(file))


def _label(summary: dict, fallback: str) -> str:
    return (summary.get("session") or {}).get("session_date") or fallback


@dataclass(frozen=True)
class SideChange:
    """One side's change between two sessions."""

    side: str
    before_deg: float | None
    after_deg: float | None
    detectable_deg: float
    after_side: str | None = None  # set when compared crosswise

    @property
    def change_deg(self) -> float | None:
        if self.before_deg is None or self.after_deg is None:
            return None
        return self.after_deg - self.before_deg

    @property
    def real(self) -> bool:
        change = self.change_deg
        return change is not None and abs(change) > self.detectable_deg

    def words(self) -> str:
        """'During left stance: 7.2° -> 3.9°, 3.3° less drop - real change (> 2.8°).'"""
        head = f"{self.side.capitalize()} stance"
        if self.after_side and self.after_side != self.side:
            head += f" (earlier) vs {self.after_side} stance (later)"
        if self.change_deg is None:
            return f"{head}: cannot compare (no measurement in {self._missing()})."
        change = self.change_deg
        direction = "less" if change < 0 else "more"
        verdict = (
            f"real change (beyond {self.detectable_deg:.1f}°)"
            if self.real
            else f"no real change (within {self.detectable_deg:.1f}°)"
        )
        return (
            f"{head}: peak drop {self.before_deg:.1f}° → {self.after_deg:.1f}° "
            f"({abs(change):.1f}° {direction} drop), {verdict}."
        )

    def _missing(self) -> str:
        if self.before_deg is None and self.after_deg is None:
            return "either session"
        return "the earlier session" if self.before_deg is None else "the later session"


@dataclass
class PairComparison:
    """Two sessions: per-side change and whether the sides look swapped."""

    before: Session
    after: Session
    changes: dict[str, SideChange]
    swapped: bool
    crossed: dict[str, SideChange]

    @property
    def real_change(self) -> bool:
        return any(c.real for c in self.changes.values())

    def words(self) -> list[str]:
        head = f"{self.before.label} → {self.after.label}:"
        if self.swapped:
            lines = [
                f"{head} sides swapped: the later session matches the earlier one only with "
                "left and right exchanged (a mirrored recording or exchanged labels?). "
                "Compared crosswise:"
            ]
            return lines + [f"  {c.words()}" for c in self.crossed.values()]
        if all(c.change_deg is None for c in self.changes.values()):
            summary_word = "nothing to compare (no side measured in both sessions)"
        else:
            summary_word = "real change" if self.real_change else "no real change"
        return [f"{head} {summary_word}."] + [f"  {c.words()}" for c in self.changes.values()]


def _detectable_deg(a: Session, b: Session, side_a: str, side_b: str) -> float:
    """The larger of the detectable difference and the two readings' combined uncertainty."""
    sdd = max(float(a.summary["thresholds"]["sdd_deg"]), float(b.summary["thresholds"]["sdd_deg"]))
    return max(sdd, math.hypot(a.uncertainty(side_a), b.uncertainty(side_b)))


def _pairing(a: Session, b: Session, crossed: bool) -> dict[str, SideChange]:
    matched = {side: OTHER[side] if crossed else side for side in SIDES}
    return {
        side: SideChange(
            side,
            a.peak(side),
            b.peak(matched[side]),
            _detectable_deg(a, b, side, matched[side]),
            matched[side],
        )
        for side in SIDES
    }


def _agrees(changes: dict[str, SideChange]) -> bool:
    """Same sides measured in both sessions, and no real change between them."""
    present = [(c.before_deg is None) == (c.after_deg is None) for c in changes.values()]
    measured = [c for c in changes.values() if c.change_deg is not None]
    return all(present) and bool(measured) and not any(c.real for c in measured)


def compare_pair(before: Session, after: Session) -> PairComparison:
    """Per-side change from ``before`` to ``after``; swapped when only the crosswise match holds."""
    direct, crossed = _pairing(before, after, False), _pairing(before, after, True)
    swapped = _agrees(crossed) and not _agrees(direct)
    return PairComparison(before, after, direct, swapped, crossed)


@dataclass
class SessionComparison:
    """Several sessions in order: tidy table and change per consecutive pair."""

    sessions: list[Session]
    pairs: list[PairComparison]
    notes: list[str] = field(default_factory=list)
    by_date: bool = False

    @property
    def overall(self) -> PairComparison:
        """First session against the last."""
        return compare_pair(self.sessions[0], self.sessions[-1])

    @property
    def table(self) -> pd.DataFrame:
        """One row per session and stance side (tidy)."""
        import pandas as pd

        rows = []
        for order, session in enumerate(self.sessions):
            for side in SIDES:
                info = session.summary.get("sides", {}).get(side, {})
                rows.append(
                    {
                        "order": order,
                        "session": session.label,
                        "session_date": session.date,
                        "source": session.source,
                        "stance_leg": side,
                        "peak_drop_deg": session.peak(side),
                        "uncertainty_deg": session.uncertainty(side),
                        "classification": info.get("classification", "insufficient data"),
                    }
                )
        return pd.DataFrame(rows)

    @property
    def changes(self) -> pd.DataFrame:
        """One row per compared pair and side: before, after, change, real, swapped."""
        import pandas as pd

        pairs = list(self.pairs)
        if len(self.sessions) > 2:
            pairs.append(self.overall)
        rows = []
        for pair in pairs:
            for side, change in pair.changes.items():
                rows.append(
                    {
                        "before": pair.before.label,
                        "after": pair.after.label,
                        "stance_leg": side,
                        "before_deg": change.before_deg,
                        "after_deg": change.after_deg,
                        "change_deg": change.change_deg,
                        "detectable_deg": change.detectable_deg,
                        "real_change": change.real,
                        "sides_swapped": pair.swapped,
                    }
                )
        return pd.DataFrame(rows)

    @property
    def verdicts(self) -> list[str]:
        lines = [line for pair in self.pairs for line in pair.words()]
        if len(self.sessions) > 2:
            lines += ["Overall, first to last session:", *self.overall.words()]
        return lines + [f"Note: {n}" for n in self.notes]

    @classmethod
    def from_sources(cls, *sources: Path | str | dict | Findings) -> Self:
        """Compare analysed sessions (output folders, summary.json files or analyses).

        Sessions are put in date order when every one has a session date, else kept in the
        order given.
        """
        if len(sources) == 1 and isinstance(sources[0], list | tuple):
            sources = tuple(sources[0])
        if len(sources) < 2:
            raise HipdropError("compare needs at least two sessions")
        sessions = _unique_labels([load_session(s) for s in sources])
        notes = _consistency_notes(sessions)
        by_date = all(s.date for s in sessions)
        if by_date:
            sessions = sorted(sessions, key=lambda s: s.date)
        elif any(s.date for s in sessions):
            notes.append("Not every session has a date: sessions are kept in the order given.")
        pairs = [compare_pair(a, b) for a, b in itertools.pairwise(sessions)]
        return cls(sessions, pairs, notes, by_date)

    def as_dict(self) -> dict:
        return {
            "schema_version": "1.0",
            "ordered_by": "session date" if self.by_date else "order given",
            "sessions": _records(self.table),
            "changes": _records(self.changes),
            "sides_swapped": [
                {"before": p.before.label, "after": p.after.label} for p in self.pairs if p.swapped
            ],
            "real_change": any(p.real_change for p in self.pairs),
            "verdicts": self.verdicts,
            "notes": self.notes,
        }


def _unique_labels(sessions: list[Session]) -> list[Session]:
    """Number repeated labels ("2026-11-24 (2)") so that every session can be told apart."""
    seen: dict[str, int] = {}
    unique = []
    for session in sessions:
        seen[session.label] = seen.get(session.label, 0) + 1
        count = seen[session.label]
        label = session.label if count == 1 else f"{session.label} ({count})"
        unique.append(Session(label, session.summary, session.source))
    return unique


def _records(table: pd.DataFrame) -> list[dict]:
    """Rows for JSON: missing numbers become None (JSON null), not NaN."""
    return table.astype(object).where(table.notna(), None).to_dict("records")


def _consistency_notes(sessions: list[Session]) -> list[str]:
    notes = []
    patients = {(s.summary.get("session") or {}).get("patient_name") for s in sessions} - {None}
    if len(patients) > 1:
        notes.append(f"The sessions name different patients: {', '.join(sorted(patients))}.")
    tasks = {s.summary.get("task") for s in sessions}
    if len(tasks) > 1:
        notes.append(f"The sessions are of different tasks: {', '.join(map(str, tasks))}.")
    profiles = {s.summary["thresholds"].get("profile_name") for s in sessions}
    if len(profiles) > 1:
        notes.append("The sessions were classified with different threshold profiles.")
    for s in sessions:
        if not s.summary.get("usable", False):
            notes.append(f"{s.label}: no numbers ({s.summary.get('reason', 'not usable')}).")
    return notes
