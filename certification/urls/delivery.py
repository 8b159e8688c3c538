"""URLs of the delivery part: the outbox to the staff space (IFPC staff)."""

from django.urls import path

from ..views import delivery

urlpatterns = [
    path("deliveries/", delivery.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/retry/", delivery.delivery_retry, name="delivery_retry"),
    path(
        "deliveries/retry-dead/",
        delivery.delivery_retry_all,
        name="delivery_retry_all",
    ),
]
