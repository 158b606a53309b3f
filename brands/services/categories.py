"""Changes to the shape of the category tree: create, rename, move, reorder, delete.
Each locks every category row in id order first (see the package's docstring)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import Category, Sku
from ..tree import Node, Tree
from .changes import Action, ObjectType, change_row

NAME_MAX_LENGTH = Category._meta.get_field("name").max_length


def _lock_tree() -> Tree:
    rows = (
        Category.objects.select_for_update()
        .order_by("id")
        .values_list("id", "name", "parent_id", "position")
    )
    return Tree(list(rows))


def _tree_node(tree: Tree, category: Category) -> Node:
    node = tree.by_id.get(category.pk)
    if node is None:
        raise ValidationError(_("品类「%(name)s」已被删除，请刷新页面。") % {"name": category.name})
    return node


def _mapped_count(category_id: int) -> int:
    return Sku.objects.filter(category_id=category_id).count()


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写品类名称。"))
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(_("品类名称不能超过 %(max)s 个字。") % {"max": NAME_MAX_LENGTH})
    return name


def _check_unique_name(name: str, siblings: list[Node], *, parent_label: str, skip=None):
    if any(s.name == name for s in siblings if s is not skip):
        raise ValidationError(
            _("%(parent)s已有名为「%(name)s」的品类，同一级不能重名。")
            % {"parent": parent_label, "name": name}
        )


def _parent_label(tree: Tree, parent_id: int | None) -> str:
    if parent_id is None:
        return _("一级品类中")
    return _("「%(path)s」下") % {"path": tree.path(parent_id)}


def _renumber(siblings: list[Node]) -> None:
    """Positions 0..n-1 in the given order; writes only the rows whose position changes."""
    changed = []
    for i, node in enumerate(siblings):
        if node.position != i:
            node.position = i
            changed.append(Category(id=node.id, position=i))
    if changed:
        Category.objects.bulk_update(changed, ["position"])


def _save_category(category: Category, *, update_fields=None) -> None:
    # The unique constraints are the last line of defence; the checks above give the message.
    try:
        with transaction.atomic():
            category.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise ValidationError(
            _("同一级已有名为「%(name)s」的品类，同一级不能重名。") % {"name": category.name}
        ) from exc


def category_create(*, parent: Category | None, name: str, by: User) -> Category:
    """A new node at the end of ``parent``'s children (or of the roots when ``parent`` is None).
    Refused under a node that has SKUs: SKUs belong to leaves only."""
    name = _clean_name(name)
    with transaction.atomic():
        tree = _lock_tree()
        if parent is not None:
            parent_node = _tree_node(tree, parent)
            mapped = _mapped_count(parent.pk)
            if mapped:
                raise ValidationError(
                    _(
                        "「%(name)s」下已有 %(count)s 个单品，不能再添加下级品类"
                        "（单品只能归入没有下级的品类）。请先把这些单品移到其他品类或取消归类。"
                    )
                    % {"name": parent_node.path, "count": mapped}
                )
            siblings = parent_node.children
        else:
            siblings = tree.roots
        parent_id = parent.pk if parent is not None else None
        _check_unique_name(name, siblings, parent_label=_parent_label(tree, parent_id))
        _renumber(siblings)
        category = Category(parent_id=parent_id, name=name, position=len(siblings))
        _save_category(category)
        path = f"{tree.path(parent_id)} / {name}" if parent_id is not None else name
        change_row(
            by=by,
            action=Action.CREATE,
            object_type=ObjectType.CATEGORY,
            object_id=category.pk,
            object_repr=path,
            field="name",
            new=name,
        ).save()
    return category


def category_rename(*, node: Category, name: str, by: User) -> Category:
    name = _clean_name(name)
    with transaction.atomic():
        tree = _lock_tree()
        current = _tree_node(tree, node)
        if current.name == name:
            return node
        _check_unique_name(
            name,
            tree.siblings_of(current),
            parent_label=_parent_label(tree, current.parent_id),
            skip=current,
        )
        old = current.name
        node.name = name
        _save_category(node, update_fields=["name"])
        change_row(
            by=by,
            action=Action.UPDATE,
            object_type=ObjectType.CATEGORY,
            object_id=node.pk,
            object_repr=current.path,
            field="name",
            old=old,
            new=name,
        ).save()
    return node


def category_move(*, node: Category, new_parent: Category | None, by: User) -> Category:
    """Move ``node`` (with its subtree) to the end of ``new_parent``'s children, or to the
    roots. Refused when it would create a cycle, under a node that has SKUs, or when a
    sibling there has the same name."""
    with transaction.atomic():
        tree = _lock_tree()
        current = _tree_node(tree, node)
        target_id = new_parent.pk if new_parent is not None else None
        if target_id is not None:
            target = _tree_node(tree, new_parent)
            if target_id == current.id:
                raise ValidationError(
                    _("不能把「%(name)s」移到它自己下面。") % {"name": current.path}
                )
            if tree.is_in_subtree(target_id, current.id):
                raise ValidationError(
                    _(
                        "「%(target)s」是「%(name)s」的下级品类，不能把「%(name)s」移到它下面"
                        "（会形成循环）。"
                    )
                    % {"target": target.path, "name": current.path}
                )
        if target_id == current.parent_id:
            raise ValidationError(
                _("「%(name)s」已经在%(parent)s，无需移动。")
                % {"name": current.name, "parent": _parent_label(tree, target_id)}
            )
        if target_id is not None:
            mapped = _mapped_count(target_id)
            if mapped:
                raise ValidationError(
                    _(
                        "「%(target)s」下已有 %(count)s 个单品，不能作为上级品类"
                        "（单品只能归入没有下级的品类）。"
                    )
                    % {"target": target.path, "count": mapped}
                )
            new_siblings = target.children
        else:
            new_siblings = tree.roots
        _check_unique_name(current.name, new_siblings, parent_label=_parent_label(tree, target_id))
        old_path = current.path
        old_siblings = [s for s in tree.siblings_of(current) if s is not current]
        _renumber(old_siblings)
        _renumber(new_siblings)
        node.parent_id, node.position = target_id, len(new_siblings)
        _save_category(node, update_fields=["parent", "position"])
        new_path = (
            f"{tree.path(target_id)} / {current.name}" if target_id is not None else current.name
        )
        change_row(
            by=by,
            action=Action.MOVE,
            object_type=ObjectType.CATEGORY,
            object_id=node.pk,
            object_repr=new_path,
            field="parent",
            old=old_path,
            new=new_path,
        ).save()
    return node


def category_reorder(
    *, node: Category, direction: str | None = None, position: int | None = None, by: User
) -> Category:
    """Move ``node`` one place ``"up"`` or ``"down"`` among its siblings, or to ``position``
    (0-based). Sibling positions stay 0..n-1."""
    if (direction is None) == (position is None):
        raise ValueError("give either direction or position")
    with transaction.atomic():
        tree = _lock_tree()
        current = _tree_node(tree, node)
        siblings = list(tree.siblings_of(current))
        old_index = current.index
        if direction == "up":
            new_index = old_index - 1
        elif direction == "down":
            new_index = old_index + 1
        elif direction is not None:
            raise ValueError(f"unknown direction {direction!r}")
        else:
            new_index = position
        if new_index < 0:
            raise ValidationError(_("「%(name)s」已经排在最前。") % {"name": current.name})
        if new_index >= len(siblings):
            raise ValidationError(_("「%(name)s」已经排在最后。") % {"name": current.name})
        siblings.insert(new_index, siblings.pop(old_index))
        _renumber(siblings)
        node.position = new_index
        if old_index != new_index:
            change_row(
                by=by,
                action=Action.REORDER,
                object_type=ObjectType.CATEGORY,
                object_id=node.pk,
                object_repr=current.path,
                field="position",
                old=old_index + 1,
                new=new_index + 1,
            ).save()
    return node


def category_delete(*, node: Category, by: User) -> None:
    """Delete an empty node: one without children and without SKUs."""
    with transaction.atomic():
        tree = _lock_tree()
        current = _tree_node(tree, node)
        children = len(current.children)
        mapped = _mapped_count(current.id)
        if children and mapped:
            reason = _("下面还有 %(children)s 个下级品类和 %(skus)s 个单品") % {
                "children": children,
                "skus": mapped,
            }
        elif children:
            reason = _("下面还有 %(children)s 个下级品类") % {"children": children}
        elif mapped:
            reason = _("下面还有 %(skus)s 个单品") % {"skus": mapped}
        else:
            reason = ""
        if reason:
            raise ValidationError(
                _("不能删除「%(name)s」：%(reason)s。请先移走或删除它们。")
                % {"name": current.path, "reason": reason}
            )
        Category.objects.filter(pk=current.id).delete()
        _renumber([s for s in tree.siblings_of(current) if s is not current])
        change_row(
            by=by,
            action=Action.DELETE,
            object_type=ObjectType.CATEGORY,
            object_id=current.id,
            object_repr=current.path,
            field="name",
            old=current.name,
        ).save()
