// Cohort chat client (owned by the chat part).
