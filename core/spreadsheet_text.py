"""What a spreadsheet cell may hold of text that people typed or uploaded: the one rule for
every xlsx and CSV the application writes (core.xlsx, reports.exports.write_csv).

Excel, WPS and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (a CSV cell when the file is opened, an xlsx cell as soon as someone edits it; and
openpyxl itself writes a string starting with ``=`` as a live formula). A customer's name like
``=HYPERLINK("http://x", "点此")`` would then send the neighbouring cells to that address. As
OWASP advises ("CSV injection"), such text is written with a leading single quote, so it
stays the text that was typed. OWASP's list also has tab and carriage return; the
full-width ``＝＋－＠`` that Chinese input methods type are added as a precaution (a program
that folds them to ASCII would see a formula), and leading blanks do not hide a trigger
either (LibreOffice's CSV import can trim them first).

Every string is written as it was typed otherwise, minus the C0 control characters openpyxl
refuses (core.text): one old customer address holding ``\\x1b`` must not break a team's
export. Numbers, dates and empty cells are never touched, so rates stay numbers. Text that
merely looks like a negative number ("-5" typed into a text field) gets the quote as well, as
OWASP asks: every export writes its numbers as numbers, and a second rule telling "-5" from
"-5+cmd|' /C calc'!A0" is not worth its risk."""

from __future__ import annotations

from core.text import strip_control_characters

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def spreadsheet_value(value):
    """``value`` as a cell should hold it: text cleaned and disarmed, anything else as is."""
    if not isinstance(value, str):
        return value
    text = strip_control_characters(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text
