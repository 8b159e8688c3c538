"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Run with ``daphne lms.asgi:application`` (or ``manage.py runserver``, which
uses daphne). Each app contributes ``<app>/routing.py:websocket_urlpatterns``.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from lms.routing import websocket_urlpatterns as lms_websockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*lms_websockets]))
        ),
    }
)
