from django.urls import path

from .views import feed

app_name = "feed"
urlpatterns = [
    path("", feed.index, name="index"),
    path("<str:username>/", feed.detail, name="detail"),
    path("<str:username>/guidance/", feed.post_guidance, name="guidance"),
    path("<str:username>/arrangements/", feed.post_arrangement, name="arrangement"),
    path("<str:username>/<int:pk>/feedback/", feed.post_feedback, name="feedback"),
]
