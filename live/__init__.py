"""Live: virtual classes (BigBlueButton), in-person days, attendance, recordings."""
