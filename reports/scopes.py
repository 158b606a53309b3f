"""Which active customers belong to which scope (DESIGN.md §5).

The company holds every active customer; a team the active customers of the managers whose
team it is; a customer manager their own active customers. Every team and every customer
manager (by role, or owning an active customer) is a scope, even one with no customers.

Customers and scopes are positions: ``of_customer[i]`` is the scope of the i-th customer of
``frames.customers`` (−1: in no scope of this type, e.g. a manager without a team)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frames import Frames
from .models import ScopeType


@dataclass
class Scopes:
    scope_type: str
    # every scope of the type, in a stable order
    keys: np.ndarray
    of_customer: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    def customer_counts(self) -> np.ndarray:
        inside = self.of_customer[self.of_customer >= 0]
        return np.bincount(inside, minlength=len(self.keys)).astype("int64")


def all_scopes(frames: Frames) -> list[Scopes]:
    owners = frames.customers.merge(
        frames.managers[["manager_id", "username", "team_code"]], on="manager_id", how="left"
    )
    teams = pd.Index(frames.teams["team_code"], dtype=object)
    managers = pd.Index(frames.managers["username"], dtype=object)
    return [
        Scopes(
            ScopeType.COMPANY.value,
            np.array([""], dtype=object),
            np.zeros(len(owners), dtype="int64"),
        ),
        Scopes(
            ScopeType.TEAM.value,
            teams.to_numpy(),
            teams.get_indexer(owners["team_code"].astype(object)).astype("int64"),
        ),
        Scopes(
            ScopeType.MANAGER.value,
            managers.to_numpy(),
            managers.get_indexer(owners["username"].astype(object)).astype("int64"),
        ),
    ]
