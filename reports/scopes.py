"""Which customer managers make up which scope (DESIGN.md §5).

The company holds every active customer; a team the active customers of the managers whose
team it is; a customer manager their own active customers. Every scope is therefore a union
of customer managers (the job's **groups**), and anything that adds up over customers is
added up per group first (by each shard of the job) and per scope last. Every team and every
customer manager (by role, or owning an active customer) is a scope, even one with no
customers.

Groups and scopes are positions: ``of_group[g]`` is the scope of the g-th manager of
``managers`` (−1: in no scope of this type, e.g. a manager without a team)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .models import ScopeType


@dataclass
class Scopes:
    scope_type: str
    # every scope of the type, in a stable order
    keys: np.ndarray
    of_group: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    def add_up(self, per_group: np.ndarray) -> np.ndarray:
        """A per-group vector (or groups × k grid) added up per scope (or scopes × k)."""
        # a 0/1 scope × group matrix times the groups' rows: sums of integers held in
        # float64 stay exact (below 2⁵³); float sums may be added in another order
        member = np.zeros((len(self.keys), len(self.of_group)), dtype="float64")
        inside = np.flatnonzero(self.of_group >= 0)
        member[self.of_group[inside], inside] = 1.0
        return member @ np.asarray(per_group, dtype="float64")


def all_scopes(managers: pd.DataFrame, teams: pd.DataFrame) -> list[Scopes]:
    """``managers``: manager_id, username, team_code (the groups, in order); ``teams``:
    team_code of every team."""
    team_keys = pd.Index(teams["team_code"], dtype=object)
    usernames = managers["username"].to_numpy(dtype=object)
    return [
        Scopes(
            ScopeType.COMPANY.value,
            np.array([""], dtype=object),
            np.zeros(len(managers), dtype="int64"),
        ),
        Scopes(
            ScopeType.TEAM.value,
            team_keys.to_numpy(),
            team_keys.get_indexer(managers["team_code"].astype(object)).astype("int64"),
        ),
        Scopes(ScopeType.MANAGER.value, usernames, np.arange(len(managers), dtype="int64")),
    ]
