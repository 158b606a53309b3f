"""The team board at /team/ (its own namespace: ``reports:team`` is the team analysis)."""

from django.urls import path

from .views import team_board as views_team

app_name = "team"
urlpatterns = [
    path("", views_team.board, name="board"),
    path("board.xlsx", views_team.board_xlsx, name="xlsx"),
    path("board.pdf", views_team.board_pdf, name="pdf"),
]
