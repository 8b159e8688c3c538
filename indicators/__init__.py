"""IFPC steering indicators: aggregates refreshed by Celery beat, read by a dashboard."""
