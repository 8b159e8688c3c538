"""WebSocket consumer(s) of the dashboard part of ``tutoring``."""

websocket_urlpatterns: list = []
