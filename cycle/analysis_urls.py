"""The analysis pages at /analysis/, under the namespace ``reports`` they have always had
(``reports:manager``, ``reports:export``, …): the manager and team pages and the problems are
the cycle's step 1, the brand page, recompute and the exports are reports' own. Routed from
here because cycle sits above reports: reports routes nothing of the cycle."""

from django.urls import path

from reports import annual_views
from reports import views as reports_views

from .views import analysis, warning_plan

app_name = "reports"
urlpatterns = [
    path("", analysis.analysis_home, name="home"),
    path("manager/<str:username>/", analysis.analysis_manager, name="manager"),
    path("manager/<str:username>/problems/", analysis.save_problems, name="problems"),
    path("manager/<str:username>/plan/", warning_plan.add_to_plan, name="add_to_plan"),
    path("team/<str:code>/", analysis.analysis_team, name="team"),
    path("warnings/", analysis.compute_warnings, name="compute_warnings"),
    path("brands/", reports_views.analysis_brands, name="brands"),
    path("annual/", annual_views.annual, name="annual"),
    path("annual/xlsx/", annual_views.annual_xlsx, name="annual_xlsx"),
    path("annual/pdf/", annual_views.annual_pdf, name="annual_pdf"),
    path("recompute/", reports_views.recompute, name="recompute"),
    path("status/", reports_views.run_status, name="status"),
    path("export/", reports_views.export, name="export"),
]
