"""Moved to ``cycle.strategy.engine``; kept only while ``cycle/services/plans.py`` (being split
under #13) still imports from here. Remove once nothing does."""

from .strategy.engine import IndicatorsMissing, warnings_evaluate

__all__ = ["IndicatorsMissing", "warnings_evaluate"]
