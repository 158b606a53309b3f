"""The two demo sizes and the knobs that set how much each customer orders."""

from dataclasses import dataclass

from .names import CITY_TEAMS, SMALL_TEAMS


@dataclass(frozen=True)
class Scale:
    name: str
    teams: list[tuple[str, str]]
    managers_per_team: int
    customers_per_manager: int
    # share of urban (城网) customers per team, by team position; the rest are rural
    urban_share: tuple[float, ...]
    sku_count: int  # base catalogue plus generated variants
    variant_key_share: float  # share of generated variants flagged as key brands
    default_months: int
    # SKUs a customer carries: base + per_tier × tier (the favourite ones ordered most often)
    assortment_base: float
    assortment_per_tier: float
    # tiers from which a customer orders on one more weekday
    extra_day_tiers: tuple[int, ...]

    @property
    def manager_count(self) -> int:
        return len(self.teams) * self.managers_per_team

    def username(self, index: int) -> str:
        width = 2 if self.manager_count < 100 else 3
        return f"cm{index + 1:0{width}d}"


SCALES = {
    "small": Scale(
        name="small",
        teams=SMALL_TEAMS,
        managers_per_team=4,
        customers_per_manager=187,
        urban_share=(0.97, 0.15),
        sku_count=0,  # the base catalogue only
        variant_key_share=0.0,
        default_months=13,
        assortment_base=3.5,
        assortment_per_tier=0.42,
        extra_day_tiers=(20,),
    ),
    "city": Scale(
        name="city",
        teams=CITY_TEAMS,
        managers_per_team=10,
        customers_per_manager=300,
        urban_share=(0.97,) * 6 + (0.15,) * 4,
        sku_count=800,
        variant_key_share=0.04,
        default_months=3,
        assortment_base=14.0,
        assortment_per_tier=1.9,
        extra_day_tiers=(14, 24),
    ),
}
