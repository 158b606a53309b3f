"""Monthly work cycles, marketing actions, the strategy library and the interaction feed
(DESIGN.md §4); their models arrive with the planning and execution work."""
