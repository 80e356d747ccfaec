"""What a responder's own code says about its request and response, for api/openapi.py.

falcon keeps no declaration of query parameters or status codes: they live in the
responders' code (``req.get_param_as_int("limit")``, ``resp.status = falcon.HTTP_202``).
``read_responder`` reads them from the source with ``ast``, following the calls a
responder makes into its resource's methods and the API layer's functions (loop variables
over literal tuples or module constants included), so that a parameter added to a handler
appears in the description without anyone declaring it. ``returned_schemas`` reads which
schemas a request-dependent schema selector may return.
"""
import ast
import contextlib
import dataclasses
import inspect
import textwrap
from collections.abc import Callable
from collections.abc import Iterator

import falcon

# falcon's getters and the JSON Schema type of what each returns.
_PARAM_GETTERS = {
    "get_param": {"type": "string"},
    "get_param_as_int": {"type": "integer"},
    "get_param_as_float": {"type": "number"},
    "get_param_as_bool": {"type": "boolean"},
    "get_param_as_uuid": {"type": "string", "format": "uuid"},
    "get_param_as_datetime": {"type": "string", "format": "date-time"},
    "get_param_as_date": {"type": "string", "format": "date"},
    "get_param_as_list": {"type": "array", "items": {"type": "string"}},
    "get_param_as_json": {},
}
_STREAMS = ("stream", "bounded_stream")
# Helpers are followed in the responder's module and the API layer's modules (the ones
# given the request).
_API = "mininova.api"


@dataclasses.dataclass
class ResponderSource:
    """The facts read from one responder (and the helpers it calls)."""

    query: dict[str, dict] = dataclasses.field(default_factory=dict)
    required_query: set[str] = dataclasses.field(default_factory=set)
    status_codes: set[int] = dataclasses.field(default_factory=set)
    # False when every path through the responder sets resp.status (no implicit 200).
    default_status: bool = True
    sets_media: bool = False
    reads_stream: bool = False
    content_types: set[str] = dataclasses.field(default_factory=set)
    headers: set[str] = dataclasses.field(default_factory=set)
    # The resource's own methods it calls (as defined, hooks and all): they may validate.
    methods: list[Callable] = dataclasses.field(default_factory=list)

    def success_codes(self) -> list[int]:
        codes = set(self.status_codes)
        if self.default_status or not codes:
            codes.add(200)
        return sorted(codes)


def read_responder(resource: object, responder: Callable) -> ResponderSource:
    """Read the facts of ``responder`` (a bound on_* method of ``resource``)."""
    func = inspect.unwrap(getattr(responder, "__func__", responder))
    node = _parse(func)
    arg_names = [a.arg for a in node.args.args]
    # NOTE: responders are (self, req, resp, ...); helpers reuse the same names.
    req_name, resp_name = arg_names[1:3] if len(arg_names) >= 3 else ("req", "resp")
    source = ResponderSource()
    _Reader(source, type(resource), req_name, resp_name).read(func, node)
    source.default_status = not any(_status_of(stmt, resp_name) for stmt in node.body)
    return source


def returned_schemas(func: Callable) -> list:
    """The schemas ``func`` may return, as far as its ``return`` statements name them:
    dicts (``schemas.update``, every value of ``_ACTIONS`` for ``_ACTIONS[name]``) and
    schema builders (``schemas.create`` for ``schemas.create(at_least)``)."""
    found: list = []
    returns = [node for node in ast.walk(_parse(inspect.unwrap(func)))
               if isinstance(node, ast.Return) and node.value is not None]
    for node in sorted(returns, key=lambda n: (n.lineno, n.col_offset)):
        for value in _resolve(node.value, func.__globals__):
            if (isinstance(value, dict) or inspect.isfunction(value)) and all(
                    value is not seen and value != seen for seen in found):
                found.append(value)
    return found


def _resolve(node: ast.AST, module_globals: dict) -> list:
    """The values a name, an attribute of one, a subscript of a dict, a call of a
    function (the function itself) or a conditional expression may stand for."""
    if isinstance(node, ast.Name) and node.id in module_globals:
        return [module_globals[node.id]]
    if isinstance(node, ast.Attribute):
        return [getattr(owner, node.attr) for owner in _resolve(node.value, module_globals)
                if hasattr(owner, node.attr)]
    if isinstance(node, ast.Subscript):
        return [value for owner in _resolve(node.value, module_globals)
                if isinstance(owner, dict) for value in owner.values()]
    if isinstance(node, ast.Call):
        return [f for f in _resolve(node.func, module_globals) if inspect.isfunction(f)]
    if isinstance(node, ast.IfExp):
        return _resolve(node.body, module_globals) + _resolve(node.orelse, module_globals)
    return []


def _parse(func: Callable) -> ast.FunctionDef:
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))


def _status_of(stmt: ast.stmt, resp_name: str) -> set[int]:
    """The codes a ``resp.status = ...`` statement may set (none for anything else)."""
    if not isinstance(stmt, ast.Assign) or not any(
            _is_attr(t, resp_name, "status") for t in stmt.targets):
        return set()
    return _codes(stmt.value)


def _codes(value: ast.AST) -> set[int]:
    if isinstance(value, ast.IfExp):
        return _codes(value.body) | _codes(value.orelse)
    if isinstance(value, ast.Attribute) and _is_name(value.value, "falcon"):
        value = ast.Constant(getattr(falcon, value.attr, None))
    if isinstance(value, ast.Constant) and value.value is not None:
        return {int(str(value.value).split()[0])}
    return set()


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_attr(node: ast.AST, owner: str, attr: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attr and _is_name(
        node.value, owner)


class _Reader(ast.NodeVisitor):
    """Walks a function, then the API-layer functions it calls and its resource's
    methods, each with its own module's names in scope."""

    def __init__(self, source: ResponderSource, resource_cls: type, req_name: str,
                 resp_name: str):
        self.source = source
        self.resource_cls = resource_cls
        self.req, self.resp = req_name, resp_name
        self.globals: dict = {}
        self.seen: set = set()
        # Loop variables bound to literal strings: ``for key in ("host", "project_id")``.
        self.bindings: dict[str, list[str]] = {}

    def read(self, func: Callable, node: ast.AST | None = None) -> None:
        if func in self.seen:
            return
        self.seen.add(func)
        saved = self.globals, self.bindings
        self.globals, self.bindings = func.__globals__, {}
        try:
            self.generic_visit(node if node is not None else _parse(func))
        finally:
            self.globals, self.bindings = saved

    def visit_Assign(self, node: ast.Assign) -> None:
        self.source.status_codes |= _status_of(node, self.resp)
        for target in node.targets:
            if _is_attr(target, self.resp, "media"):
                self.source.sets_media = True
            if _is_attr(target, self.resp, "content_type") and isinstance(
                    node.value, ast.Constant):
                self.source.content_types.add(node.value.value)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _STREAMS and _is_name(node.value, self.req):
            self.source.reads_stream = True
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        with self._bound(node.target, node.iter):
            self.generic_visit(node)

    def _visit_comprehension(self, node: ast.AST) -> None:
        with contextlib.ExitStack() as scopes:
            for generator in node.generators:
                scopes.enter_context(self._bound(generator.target, generator.iter))
            self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = (
        _visit_comprehension)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and _is_name(func.value, self.req):
            self._param(func.attr, node)
        elif isinstance(func, ast.Attribute) and _is_attr(func, self.resp, "set_header"):
            if node.args and isinstance(node.args[0], ast.Constant):
                self.source.headers.add(node.args[0].value)
        elif isinstance(func, ast.Attribute) and _is_name(func.value, "self"):
            method = getattr(self.resource_cls, func.attr, None)
            if inspect.isfunction(method):
                if method not in self.source.methods:
                    self.source.methods.append(method)
                self.read(inspect.unwrap(method))
        else:
            for helper in _resolve(func, self.globals):
                if inspect.isfunction(helper) and (
                        helper.__module__.startswith(_API)
                        or helper.__globals__ is self.globals):
                    self.read(inspect.unwrap(helper))
        self.generic_visit(node)

    def _param(self, getter: str, call: ast.Call) -> None:
        if getter not in _PARAM_GETTERS or not call.args:
            return
        names = self._strings(call.args[0], single=True) or []
        required = any(k.arg == "required" and isinstance(k.value, ast.Constant)
                       and k.value.value is True for k in call.keywords)
        for name in names:
            known = self.source.query.get(name)
            # NOTE: the typed getter wins over a plain get_param of the same name.
            if known is None or known == _PARAM_GETTERS["get_param"]:
                self.source.query[name] = dict(_PARAM_GETTERS[getter])
            if required:
                self.source.required_query.add(name)

    def _strings(self, node: ast.AST, single: bool = False) -> list[str] | None:
        """The literal strings ``node`` stands for, else None: a literal or a loop
        variable (``single``), or a literal sequence, a module constant or a dict's keys
        (what a loop iterates)."""
        if isinstance(node, ast.Name) and node.id in self.bindings:
            return self.bindings[node.id]
        if single:
            values = _resolve(node, self.globals) if isinstance(node, ast.Name) else [
                getattr(node, "value", None)]
            return values if values and all(isinstance(v, str) for v in values) else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                node.func.attr in ("keys", "items")):
            node = node.func.value
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = [getattr(e, "value", None) for e in node.elts]
        else:
            resolved = _resolve(node, self.globals)
            values = list(resolved[0]) if len(resolved) == 1 and isinstance(
                resolved[0], tuple | list | dict) else []
        return values if values and all(isinstance(v, str) for v in values) else None

    @contextlib.contextmanager
    def _bound(self, target: ast.AST, iterable: ast.AST) -> Iterator[None]:
        """Binds a loop's variable (or a ``for key, value in d.items()`` key) to the
        strings it iterates over."""
        saved = dict(self.bindings)
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]
        values = self._strings(iterable)
        if isinstance(target, ast.Name) and values is not None:
            self.bindings[target.id] = values
        try:
            yield
        finally:
            self.bindings = saved
