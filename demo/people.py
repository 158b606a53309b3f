"""Teams and users: the exact demo logins the README documents."""

from dataclasses import dataclass

import numpy as np

from accounts.models import Role

from .names import FIXED_NAMES, GIVEN_CHARS, SURNAMES
from .scale import Scale

PASSWORD = "demo12345"


@dataclass
class Person:
    username: str
    name: str
    role: str
    team: str | None = None  # team code
    is_staff: bool = False
    is_superuser: bool = False


def _name_source(rng: np.random.Generator):
    """Endless unique, plausible Chinese names (surname + one or two given characters)."""
    used = set(FIXED_NAMES.values())
    while True:
        surname = SURNAMES[rng.integers(len(SURNAMES))]
        size = 1 if rng.random() < 0.3 else 2
        given = "".join(GIVEN_CHARS[i] for i in rng.integers(len(GIVEN_CHARS), size=size))
        name = surname + given
        if name not in used:
            used.add(name)
            yield name


def build_people(scale: Scale, rng: np.random.Generator) -> list[Person]:
    names = _name_source(rng)

    def name_for(username: str) -> str:
        return FIXED_NAMES.get(username) or next(names)

    people = [
        Person("admin", "系统管理员", Role.ADMIN, is_staff=True, is_superuser=True),
        Person("brand1", name_for("brand1"), Role.BRAND_MANAGER),
    ]
    for number, (code, _team_name) in enumerate(scale.teams, start=1):
        username = f"mm{number}"
        people.append(Person(username, name_for(username), Role.MARKET_MANAGER, code))
    for index in range(scale.manager_count):
        code = scale.teams[index // scale.managers_per_team][0]
        username = scale.username(index)
        people.append(Person(username, name_for(username), Role.CUSTOMER_MANAGER, code))
    return people
