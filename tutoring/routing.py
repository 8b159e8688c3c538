"""WebSocket routes of ``tutoring`` (mounted by ``lms.asgi``)."""

from .consumers import chat, dashboard

websocket_urlpatterns = [*dashboard.websocket_urlpatterns, *chat.websocket_urlpatterns]
