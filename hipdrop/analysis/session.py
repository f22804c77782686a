"""Patient and session fields: free text shown in reports, a date that orders sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hipdrop.errors import HipdropError


def session_fields(
    patient_name: str | None = None,
    session_date: str | dt.date | None = None,
    notes: str | None = None,
) -> dict:
    """The ``session`` block of summary.json; the date is checked and stored as ISO text.

    Names and notes are kept verbatim (reports escape them); a date must be ISO (YYYY-MM-DD)
    so that ``hipdrop compare`` can put sessions in order.
    """
    if isinstance(session_date, dt.datetime):
        session_date = session_date.date()
    if isinstance(session_date, dt.date):
        date_text = session_date.isoformat()
    elif session_date is None or not str(session_date).strip():
        date_text = None
    else:
        try:
            date_text = dt.date.fromisoformat(str(session_date).strip()).isoformat()
        except ValueError:
            raise HipdropError(
                f"session date {session_date!r} is not a date in the form YYYY-MM-DD"
            ) from None
    return {
        "patient_name": _text(patient_name),
        "session_date": date_text,
        "notes": _text(notes),
    }


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class SessionDetails:
    """Patient name, session date (YYYY-MM-DD) and notes: plain text in summary.json and the
    report."""

    patient_name: str | None = None
    session_date: str | dt.date | None = None
    notes: str | None = None

    def as_dict(self) -> dict:
        """The checked ``session`` block of summary.json (see :func:`session_fields`)."""
        return session_fields(self.patient_name, self.session_date, self.notes)
