"""URLs of the chat part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path

from ..views import chat

urlpatterns = [
    path("<int:cohort_id>/chat/", chat.chat_room, name="chat"),
]
