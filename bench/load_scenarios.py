"""bench/load.py's scenarios: the demo accounts, the pages each role opens with their weights
(from the seeded data: a manager's latest visit, a market manager's first team member), and
which account each virtual user plays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PASSWORD = "demo12345"
ACCOUNTS = [*(f"cm{i:02d}" for i in range(1, 9)), "mm1", "mm2", "brand1"]


def plan_pages(url: str, args, port: int) -> dict:
    """Each account's pages (name, path, weight) from the seeded data, and which account each
    virtual user plays."""
    import psycopg

    with psycopg.connect(url) as conn:
        latest_visit = {
            username: (day, customer)
            for username, day, customer in conn.execute(
                "SELECT DISTINCT ON (u.username) u.username, v.date, v.customer_id"
                " FROM cycle_visit v JOIN cycle_cycle c ON c.id = v.cycle_id"
                " JOIN accounts_user u ON u.id = c.manager_id"
                " JOIN customers_customer k ON k.id = v.customer_id AND k.status = 'active'"
                " ORDER BY u.username, v.date DESC, v.customer_id"
            )
        }
        teams = {
            username: (code, member)
            for username, code, member in conn.execute(
                "SELECT u.username, t.code, (SELECT min(m.username) FROM accounts_user m"
                "  WHERE m.team_id = t.id AND m.role = 'customer_manager')"
                " FROM accounts_team t JOIN accounts_user u ON u.id = t.market_manager_id"
            )
        }
        first_customer = conn.execute(
            "SELECT min(id) FROM customers_customer WHERE status = 'active'"
        ).fetchone()[0]
    month = f"{dt.datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m}"

    def manager_pages(username: str, *, own: bool) -> list:
        """What a customer manager opens about their own month (a market manager: a member's;
        the visit log is the manager's own page, the others see the member's day)."""
        day, customer = latest_visit.get(username, (None, first_customer))
        pages = [
            ("plan", f"/plans/{username}/{month}/", 10),
            ("task table", f"/plans/{username}/{month}/tasks/", 8),
            ("customer detail", f"/customers/{customer}/", 8),
        ]
        if day is not None and own:
            pages.append(("visit log", f"/visits/{day:%Y-%m-%d}/{customer}/", 12))
        elif day is not None:
            pages.append(("member's day", f"/visits/{username}/{day:%Y-%m-%d}/", 6))
        return pages

    common = [
        ("home", "/", 10),
        ("analysis", "/analysis/", 8),
        ("customer list", "/customers/", 8),
        ("feed", "/feed/", 6),
        ("SKU list", "/brands/skus/", 4),
    ]
    pages = {}
    for account in ACCOUNTS:
        if account.startswith("cm"):
            pages[account] = (
                common + manager_pages(account, own=True) + [("visits today", "/visits/", 20)]
            )
        elif account.startswith("mm"):
            _code, member = teams[account]
            pages[account] = (
                common
                + [(n, p, w // 2) for n, p, w in manager_pages(member, own=False)]
                + [
                    ("approval queue", "/plans/queue/", 15),
                    ("team board", "/team/", 10),
                    ("visits today", "/visits/", 4),
                ]
            )
        else:
            pages[account] = common + [
                ("brand tasks", "/brand-tasks/", 8),
                ("SKU list", "/brands/skus/", 12),
                ("customer detail", f"/customers/{first_customer}/", 6),
            ]
    for account in pages:
        pages[account] = [page for page in pages[account] if page[0] not in args.skip]
    lo, hi = (float(x) for x in args.think.split(","))
    return {
        "base": f"http://127.0.0.1:{port}",
        "pages": pages,
        "users": [ACCOUNTS[i % len(ACCOUNTS)] for i in range(args.users)],
        "duration": args.duration,
        "think": [lo, hi],
        "optional": ["team board"],  # a 404 there means the page is not built yet
    }
