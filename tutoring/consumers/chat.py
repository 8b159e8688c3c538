"""WebSocket consumer(s) of the chat part of ``tutoring``."""

websocket_urlpatterns: list = []
