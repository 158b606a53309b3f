from django.urls import path

from .views import documents as views_documents
from .views import evaluation, forecasts, guidance, plans, schedule
from .views import tasks as task_views

app_name = "plans"
PLAN = "<str:username>/<str:month>/"
urlpatterns = [
    path("", plans.plans_home, name="home"),
    path("queue/", plans.queue, name="queue"),
    path("guidance/", guidance.guidance, name="guidance"),
    path("guidance.xlsx", guidance.guidance_xlsx, name="guidance_xlsx"),
    path(PLAN, plans.detail, name="detail"),
    path(PLAN + "plan.pdf", views_documents.plan, name="plan_pdf"),
    path(PLAN + "actions.xlsx", plans.actions_export, name="actions_xlsx"),
    path(PLAN + "evaluation.pdf", views_documents.evaluation, name="evaluation_pdf"),
    path(PLAN + "goals/", plans.goals, name="goals"),
    path(PLAN + "generate/", plans.generate, name="generate"),
    path(PLAN + "actions/add/", plans.add_action, name="add_action"),
    path(PLAN + "actions/<int:pk>/", plans.edit_action, name="edit_action"),
    path(PLAN + "actions/<int:pk>/remove/", plans.remove_action, name="remove_action"),
    path(PLAN + "do/<str:name>/", plans.transition, name="transition"),
    path(PLAN + "forecasts/", forecasts.grid, name="forecasts"),
    path(PLAN + "forecasts/import/", forecasts.import_file, name="forecast_import"),
    path(PLAN + "forecasts.xlsx", forecasts.export, name="forecasts_xlsx"),
    path(PLAN + "forecasts/<int:customer_id>/", forecasts.cell, name="forecast_cell"),
    path(PLAN + "schedule/", schedule.calendar, name="schedule"),
    path(PLAN + "schedule/<str:date>/", schedule.day, name="schedule_day"),
    path(PLAN + "tasks/", task_views.table, name="tasks"),
    path(PLAN + "tasks.xlsx", task_views.export, name="tasks_xlsx"),
    path(PLAN + "weeks/<str:date>/summary/", schedule.week_summary, name="week_summary"),
    path(PLAN + "evaluation/", evaluation.evaluation, name="evaluation"),
    path(PLAN + "evaluation/summary/", evaluation.summary, name="evaluation_summary"),
    path(PLAN + "evaluation/do/<str:name>/", evaluation.transition, name="evaluation_transition"),
    path(PLAN + "improvements/", evaluation.improvements, name="improvements"),
    path(
        PLAN + "improvements/<int:pk>/done/",
        evaluation.improvement_done,
        name="improvement_done",
    ),
    path(
        PLAN + "improvements/<int:pk>/edit/",
        evaluation.improvement_edit,
        name="improvement_edit",
    ),
    path(
        PLAN + "improvements/<int:pk>/review/",
        evaluation.improvement_review_view,
        name="improvement_review",
    ),
]
