"""Domain events of ``live`` for higher apps (certification).

``attendance_changed`` is sent after the transaction commits whenever learners'
attendance records of a cohort changed (BBB polling, end of a class, sheet, QR
check-in, a tutor's correction, an accepted justification)::

    attendance_changed.send(sender=None, cohort_id=12, user_ids=[3, 5])

Receivers re-read ``live.attendance.attendance_summary``; the event carries no
figures, so a late or repeated event cannot regress anything.
"""

from django.dispatch import Signal

attendance_changed = Signal()
