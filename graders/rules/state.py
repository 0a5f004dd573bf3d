"""workflow-global-mutation: a workflow or step (or a plain helper of its module) changes module-level state."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.model import Violation, violation
from graders.rules.program import ClassInfo, Module, Program, Scope, context_label, written_with
from graders.rules.values import CLIENT, DATASOURCE, QUEUE, value_of

_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update",
                       "setdefault", "add", "discard", "appendleft", "extendleft", "popleft", "sort",
                       "reverse", "__setitem__", "__delitem__"})
_CONTAINER_MAKERS = frozenset({"builtins.list", "builtins.dict", "builtins.set", "builtins.bytearray",
                               "collections.defaultdict", "collections.Counter", "collections.deque",
                               "collections.OrderedDict"})
_OBJECT_MAKERS = frozenset({"types.SimpleNamespace", "argparse.Namespace"})


def global_mutation(program: Program) -> Iterator[Violation]:
    """`global x; x = ...`, or writes into a module-level container or object, in workflow or step code."""
    reach = written_with({**program.step_reach, **program.workflow_reach})
    for scope, root in reach.items():
        for node, name, how in _mutations(program, scope):
            yield violation("workflow-global-mutation", scope.module.path, node.lineno, (
                f"{context_label(scope, root)} {how} module-level `{name}`: that state is not checkpointed, "
                "so a recovered workflow sees different state, and concurrent workflows race on it; pass "
                "data through arguments and return values, or keep it in a database written from a step"))


def _mutations(program: Program, scope: Scope) -> Iterator[tuple[ast.stmt | ast.expr, str, str]]:
    declared = {n for node in scope.nodes() if isinstance(node, ast.Global) for n in node.names}
    local = _local_names(scope) - declared
    for node in scope.nodes():
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for element in _flatten(target):
                    if isinstance(element, ast.Name) and element.id in declared:
                        if not _holds_dbos_object(program, scope, node):
                            yield node, element.id, "assigns (through `global`)"
                    elif isinstance(element, (ast.Subscript, ast.Attribute)):
                        name = _mutable_global(program, scope, element, local)
                        if name:
                            yield node, name, "assigns into" if isinstance(node, ast.Assign) else "changes"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
            name = _mutable_global(program, scope, node.func.value, local, item=True)
            if name:
                yield node, name, f"calls .{node.func.attr}() on"


def _holds_dbos_object(program: Program, scope: Scope, node: ast.stmt) -> bool:
    """`global queue; queue = DBOS.register_queue(...)`: binding DBOS's own objects is not state."""
    value = getattr(node, "value", None)
    held = value_of(program, scope, value) if isinstance(value, ast.expr) else None
    return (held is not None and held.kind in (QUEUE, DATASOURCE, CLIENT)) or (
        isinstance(value, ast.Call) and scope.call_name(value) == "dbos.DBOS")


def _flatten(target: ast.expr) -> Iterator[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _flatten(element)
    else:
        yield target


def _local_names(scope: Scope) -> set[str]:
    names: set[str] = set()
    if scope.node is not None:
        args = scope.node.args
        names.update(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])
        names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    for node in scope.nodes():
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _mutable_global(program: Program, scope: Scope, expr: ast.expr, local: set[str],
                    item: bool = False) -> str | None:
    """The module-level container/object `expr` writes into (`X[k]`, `X.a`, `X[k].append`, `mod.X`)."""
    store_attribute = isinstance(expr, ast.Attribute) and not item
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    if isinstance(expr, ast.Attribute) and store_attribute:
        expr = expr.value
    if isinstance(expr, ast.Name) and expr.id in local:
        return None
    qualified = scope.qualname(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
    if not qualified or "." not in qualified:
        return None
    module_name, _, attr = qualified.rpartition(".")
    module = program.find_module(module_name, scope.module) if module_name != scope.module.name else scope.module
    if module is None:
        return None
    kind = module_level_kind(program, module, attr)
    if kind == "container" or (kind == "object" and store_attribute):
        return attr
    return None


def module_level_kind(program: Program, module: Module, name: str) -> str | None:
    """"container" for a module-level list/dict/set, "object" for a namespace or workspace-class instance."""
    if "state_kinds" not in module.memo:
        kinds: dict[str, str] = {}
        for node in module.scopes[0].nodes():
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets = [node.target]
            else:
                continue
            kind = _kind_of_value(program, module, node.value)
            for target in targets:
                if isinstance(target, ast.Name) and kind:
                    kinds[target.id] = kind
        module.memo["state_kinds"] = kinds
    return module.memo["state_kinds"].get(name)


def _kind_of_value(program: Program, module: Module, value: ast.expr | None) -> str | None:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return "container"
    if isinstance(value, ast.Call):
        made_by = module.resolver.call_name(value) or ""
        if made_by in _CONTAINER_MAKERS:
            return "container"
        if made_by in _OBJECT_MAKERS or isinstance(program.lookup(made_by, module), ClassInfo):
            return "object"
    return None
