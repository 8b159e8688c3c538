// Tutor dashboard: live updates (owned by the dashboard part).
