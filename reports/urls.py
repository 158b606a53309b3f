from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.analysis_home, name="home"),
    path("manager/<str:username>/", views.analysis_manager, name="manager"),
    path("manager/<str:username>/problems/", views.save_problems, name="problems"),
    path("team/<str:code>/", views.analysis_team, name="team"),
    path("brands/", views.analysis_brands, name="brands"),
    path("recompute/", views.recompute, name="recompute"),
    path("status/", views.run_status, name="status"),
    path("export/", views.export, name="export"),
]
