"""Models of ``live`` (one module per part; import from here).

* ``classes``: virtual classes on BigBlueButton, presence intervals seen by
  polling, join requests, recordings, and the receipts of BBB callbacks.
* ``days``: in-person days (one or two half-days) and QR check-ins.
* ``attendance``: the one attendance record per learner and synchronous slot
  (a virtual class or an in-person half-day), its corrections and absence
  justifications.
* ``calendars``: secret iCalendar feed tokens and the reminders already sent.
"""

from .attendance import AbsenceJustification, AttendanceCorrection, AttendanceRecord
from .calendars import CalendarFeed, ReminderLog
from .classes import (
    AttendanceInterval,
    CallbackReceipt,
    JoinRequest,
    Recording,
    VirtualClass,
)
from .days import InPersonDay, QrCheckIn

__all__ = [
    "AbsenceJustification",
    "AttendanceCorrection",
    "AttendanceInterval",
    "AttendanceRecord",
    "CalendarFeed",
    "CallbackReceipt",
    "InPersonDay",
    "JoinRequest",
    "QrCheckIn",
    "Recording",
    "ReminderLog",
    "VirtualClass",
]
