from django.urls import path

from .views import brand_tasks

app_name = "brand_tasks"
urlpatterns = [
    path("", brand_tasks.task_list, name="list"),
    path("count/", brand_tasks.match_count, name="count"),
]
