"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Run with ``daphne lms.asgi:application`` or ``uvicorn lms.asgi:application``
(``manage.py runserver`` uses daphne). Each app contributes
``<app>/routing.py:websocket_urlpatterns``. The SCORM/H5P tracking API is
answered by ``courses.tracking.asgi.TrackingFastPath`` in front of Django's
middleware stack (same answers, a fraction of the CPU); the catalogue's public
read API by ``lms.asgi_sync.SyncLane`` (Django's synchronous handler on a small
thread pool, as under WSGI).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from courses.tracking.asgi import TrackingFastPath  # noqa: E402
from lms.asgi_sync import SyncLane  # noqa: E402
from lms.routing import websocket_urlpatterns as lms_websockets  # noqa: E402
from lms.two_factor import SecondFactorWebSocketMiddleware  # noqa: E402
from tutoring.routing import websocket_urlpatterns as tutoring_websockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": TrackingFastPath(SyncLane(django_asgi_app)),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                SecondFactorWebSocketMiddleware(
                    URLRouter([*lms_websockets, *tutoring_websockets])
                )
            )
        ),
    }
)
