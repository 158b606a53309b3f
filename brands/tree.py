"""The category tree assembled in Python from one flat query (id, name, parent, position, …).

Siblings are ordered by (position, id) so that the order stays stable even where positions
were edited by hand (the admin site) and collide."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

PATH_SEPARATOR = " / "


@dataclass(eq=False)
class Node:
    id: int
    name: str
    parent_id: int | None
    position: int
    sku_count: int = 0  # SKUs mapped to this node itself
    children: list[Node] = field(default_factory=list)
    depth: int = 0
    path: str = ""
    total_skus: int = 0  # SKUs mapped to this node or any descendant
    index: int = 0  # place among its siblings, 0-based
    siblings: int = 1  # number of siblings including itself

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def is_first(self) -> bool:
        return self.index == 0

    @property
    def is_last(self) -> bool:
        return self.index == self.siblings - 1


class Tree:
    def __init__(self, rows: Iterable[tuple]):
        """rows: (id, name, parent_id, position[, sku_count])."""
        self.by_id: dict[int, Node] = {}
        for row in rows:
            node = Node(*row)
            self.by_id[node.id] = node
        self.roots: list[Node] = []
        for node in self.by_id.values():
            parent = self.by_id.get(node.parent_id) if node.parent_id is not None else None
            (parent.children if parent else self.roots).append(node)
        self._order(self.roots)
        for node in self.by_id.values():
            self._order(node.children)
        self._preorder: list[Node] = []
        stack = [(root, 0, "") for root in reversed(self.roots)]
        while stack:
            node, depth, prefix = stack.pop()
            node.depth = depth
            node.path = f"{prefix}{PATH_SEPARATOR}{node.name}" if prefix else node.name
            self._preorder.append(node)
            stack.extend((child, depth + 1, node.path) for child in reversed(node.children))
        for node in reversed(self._preorder):  # children before parents
            node.total_skus = node.sku_count + sum(child.total_skus for child in node.children)

    @staticmethod
    def _order(nodes: list[Node]) -> None:
        nodes.sort(key=lambda n: (n.position, n.id))
        for i, node in enumerate(nodes):
            node.index, node.siblings = i, len(nodes)

    def __iter__(self):
        """Every node reachable from a root, depth first, siblings in order."""
        return iter(self._preorder)

    def __len__(self) -> int:
        return len(self._preorder)

    def get(self, pk) -> Node | None:
        try:
            return self.by_id.get(int(pk))
        except (TypeError, ValueError):
            return None

    def path(self, pk: int | None) -> str:
        node = self.by_id.get(pk) if pk is not None else None
        return node.path if node else ""

    def siblings_of(self, node: Node) -> list[Node]:
        parent = self.by_id.get(node.parent_id) if node.parent_id is not None else None
        return parent.children if parent else self.roots

    def subtree_ids(self, pk: int) -> set[int]:
        """The node and all its descendants."""
        node = self.by_id.get(pk)
        if node is None:
            return set()
        ids, stack = set(), [node]
        while stack:
            current = stack.pop()
            ids.add(current.id)
            stack.extend(current.children)
        return ids

    def is_in_subtree(self, pk: int, root_pk: int) -> bool:
        """Whether ``pk`` is ``root_pk`` or one of its descendants (walking up from ``pk``)."""
        seen = set()
        current = self.by_id.get(pk)
        while current is not None and current.id not in seen:
            if current.id == root_pk:
                return True
            seen.add(current.id)
            current = self.by_id.get(current.parent_id) if current.parent_id is not None else None
        return False

    def leaves(self) -> list[Node]:
        return [node for node in self._preorder if node.is_leaf]

    def move_targets(self, node: Node) -> list[Node]:
        """Where ``node`` may go: outside its own subtree, under a node without SKUs of its
        own, not where it already is."""
        inside = self.subtree_ids(node.id)
        return [
            n
            for n in self._preorder
            if n.id not in inside and n.sku_count == 0 and n.id != node.parent_id
        ]
