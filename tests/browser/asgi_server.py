"""ASGI entry point of the real-time browser tests: ``lms.asgi.application``
(HTTP and WebSockets) behind the static files handler that pytest-django's live
server uses too, so that ``*/static/*/build`` is served from the app directories
without a ``collectstatic`` (WhiteNoise only serves ``STATIC_ROOT`` when
``DEBUG`` is off).

Run by ``uvicorn tests.browser.asgi_server:application`` in a subprocess
(see ``test_e2e_tutoring_realtime.asgi_server``); never imported by the tests.
"""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from lms.asgi import application as lms_application

application = ASGIStaticFilesHandler(lms_application)
