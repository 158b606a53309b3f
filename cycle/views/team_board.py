"""The team board (团队看板) of a market manager (an admin picks the team), as a page, an
Excel workbook and a printable PDF. Customer and brand managers get 403, as on the forecast
guidance page."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import can_see_team_board
from core.pdf import pdf_response, render_pdf
from core.xlsx import stamped, workbook_bytes, xlsx_response

from ..selectors.team_board import TeamBoard, team_board
from ..team_board_export import team_board_sheets
from .common import url_month

PAGE = "reports/team_board.html"


def _board(request) -> TeamBoard:
    query = request.GET
    month = query.get("month", "").strip()
    return team_board(
        user=request.user,
        team=query.get("team", "").strip(),
        month=url_month(month) if month else None,
        sort=query.get("sort", ""),
        direction=query.get("dir", ""),
    )


@allowed_if(can_see_team_board)
def board(request):
    context = {"board": _board(request)}
    if request.htmx and request.GET.get("part") == "ranking":
        return render(request, f"{PAGE}#ranking", context)
    return render(request, PAGE, context)


@allowed_if(can_see_team_board)
def board_xlsx(request):
    board = _board(request)
    return xlsx_response(workbook_bytes(team_board_sheets(board)), stamped(_filename(board)))


@allowed_if(can_see_team_board)
def board_pdf(request):
    board = _board(request)
    context = {"board": board, "printed_at": timezone.localtime()}
    content = render_pdf("reports/team_board_pdf.html", context)
    return pdf_response(content, f"{_filename(board)}.pdf")


def _filename(board: TeamBoard) -> str:
    team = board.team.code if board.team else ""
    return f"{_('团队看板')}-{team}-{board.ranking_month:%Y-%m}"
