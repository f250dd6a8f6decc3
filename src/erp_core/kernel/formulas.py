"""A safe formula language: for salary components (payroll), final scores of appraisals (hr) and
any other rule a user writes as an expression.

A formula is one Python *expression* parsed with `ast` and checked against a whitelist before it
is ever evaluated (the static pass, which also collects the names it refers to, so unknown names
and cycles are refused when a structure is saved). The checked tree is then evaluated by
`simpleeval` (a well-kept safe evaluator) with our Decimal operators and functions; nothing is
passed to Python's `eval`. Allowed:

- numbers (read from their source text as `Decimal`, so `0.1` is exactly one tenth), `True`,
  `False`;
- `+ - * / //` (`//` is floor division: the quotient rounded towards minus infinity), unary
  `+ -`;
- comparisons `== != < <= > >=` (chains such as `0 < x <= 10` too), `and`, `or`, `not`;
- the conditional expression `a if c else b`;
- calls to `min(a, b, ...)`, `max(a, b, ...)`, `abs(a)`, `round(a)` / `round(a, n)` (half up);
- names: other components of the structure and variables (`base`, `payment_days`,
  `working_days`, `years_of_service`, plus any the structure declares).

Anything else (attribute access, subscripts, calls to other names, lambdas, comprehensions, text,
`**`, `%`, statements such as `import`) is refused with a `FormulaError` naming the component and
the construct. Values are typed: arithmetic takes amounts, `and`/`or`/`not`/`if` take true/false.
Arithmetic runs in a local decimal context (28 significant digits); division by zero is an error
naming the component. No float is ever created.

Proration rule (see `slip.py`): a formula sees the *full-period* amounts of the components it
refers to; each component's own `prorated` flag then scales its result by payment days.
"""

from __future__ import annotations

import ast
import decimal
import functools
import operator
import threading
from collections.abc import Callable, Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any


class FormulaError(ValueError):
    """A formula cannot be parsed, uses a construct outside the whitelist, or fails to evaluate.

    `field` is the component (or other owner) whose formula it is; `construct` names the
    offending construct when there is one (e.g. "attribute access", "call to 'open'").
    """

    def __init__(self, component: str, reason: str, construct: str = "") -> None:
        super().__init__(f"{component}: {reason}" if component else reason)
        self.field = component
        self.reason = reason
        self.component = component
        self.construct = construct


class UnknownReference(FormulaError):
    """A formula refers to a name that is neither a component nor a known variable."""

    def __init__(self, component: str, name: str) -> None:
        super().__init__(
            component,
            f"refers to unknown name {name!r} (not a component of the structure nor a variable)",
        )
        self.name = name


class CyclicFormulas(FormulaError):
    """Components whose formulas refer to one another in a loop; `cycle` lists it, closed."""

    def __init__(self, cycle: tuple[str, ...]) -> None:
        path = " -> ".join(cycle)
        super().__init__(cycle[0], f"formulas refer to one another in a cycle: {path}")
        self.cycle = cycle


Value = Decimal | bool
Env = Mapping[str, Value]

FUNCTIONS = frozenset({"min", "max", "round", "abs"})
STANDARD_VARIABLES = frozenset({"base", "payment_days", "working_days", "years_of_service"})
MAX_FORMULA_LENGTH = 2000
MAX_DEPTH = 60
MAX_AMOUNT = Decimal(10) ** 15
_CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
}
_REFUSED_OPERATORS: dict[type[ast.AST], str] = {
    ast.Pow: "power operator (**)",
    ast.Mod: "modulo operator (%)",
    ast.MatMult: "matrix multiplication (@)",
    ast.LShift: "bitwise operator (<<)",
    ast.RShift: "bitwise operator (>>)",
    ast.BitAnd: "bitwise operator (&)",
    ast.BitOr: "bitwise operator (|)",
    ast.BitXor: "bitwise operator (^)",
    ast.Invert: "bitwise operator (~)",
    ast.Is: "'is' comparison",
    ast.IsNot: "'is not' comparison",
    ast.In: "'in' comparison",
    ast.NotIn: "'not in' comparison",
}
_COMPARE: dict[type[ast.cmpop], Callable[[Value, Value], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "generator expression",
    ast.NamedExpr: "assignment expression (:=)",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.JoinedStr: "f-string",
    ast.Starred: "argument unpacking (*)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}
_STATEMENTS: dict[type[ast.AST], str] = {
    ast.Import: "import statement",
    ast.ImportFrom: "import statement",
    ast.Assign: "assignment",
    ast.AugAssign: "assignment",
    ast.AnnAssign: "assignment",
    ast.FunctionDef: "function definition",
    ast.AsyncFunctionDef: "function definition",
    ast.ClassDef: "class definition",
    ast.Delete: "del statement",
    ast.For: "loop",
    ast.While: "loop",
    ast.With: "with statement",
    ast.Raise: "raise statement",
    ast.Try: "try statement",
    ast.Global: "global statement",
    ast.Nonlocal: "nonlocal statement",
    ast.If: "if statement",
    ast.Return: "return statement",
}


def _describe_value(v: Value) -> str:
    return "true/false" if isinstance(v, bool) else "an amount"


class Formula:
    """A parsed and whitelisted expression; `names` are the variables/components it refers to."""

    __slots__ = ("_tree", "names", "owner", "text")

    def __init__(self, text: str, owner: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise FormulaError(owner, "formula is empty")
        if len(text) > MAX_FORMULA_LENGTH:
            raise FormulaError(owner, f"formula is longer than {MAX_FORMULA_LENGTH} characters")
        self.text = text.strip()
        self.owner = owner
        tree = self._parse()
        names: set[str] = set()
        self._check(tree.body, names, 0)
        self._tree = tree
        self.names = frozenset(names)

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, owner={self.owner!r})"

    # -- parsing and checking -------------------------------------------------------------------

    def _refuse(
        self, construct: str, node: ast.AST | None = None, reason: str = ""
    ) -> FormulaError:
        where = ""
        if node is not None and hasattr(node, "col_offset"):
            segment = ast.get_source_segment(self.text, node)
            where = f" (`{segment}`)" if segment else f" (at column {node.col_offset + 1})"
        message = reason or f"{construct} is not allowed in a formula"
        return FormulaError(self.owner, message + where, construct)

    def _parse(self) -> ast.Expression:
        try:
            return ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            statement = self._statement_kind()
            if statement:
                raise FormulaError(
                    self.owner,
                    f"{statement} is not allowed; a formula is a single expression",
                    statement,
                ) from None
            col = f" at column {exc.offset}" if exc.offset else ""
            raise FormulaError(self.owner, f"syntax error{col}: {exc.msg}", "syntax") from None
        except (ValueError, RecursionError, MemoryError):
            raise FormulaError(self.owner, "formula cannot be parsed", "syntax") from None

    def _statement_kind(self) -> str:
        try:
            module = ast.parse(self.text, mode="exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return ""
        for stmt in module.body:
            kind = _STATEMENTS.get(type(stmt))
            if kind:
                return kind
        return "statement" if module.body else ""

    def _number(self, node: ast.Constant) -> Decimal:
        value = node.value
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            # Read the literal's own digits, never the binary float ast made of them.
            source = (ast.get_source_segment(self.text, node) or "").replace("_", "")
            try:
                return Decimal(source)
            except decimal.InvalidOperation:
                raise self._refuse("number literal", node) from None
        raise self._refuse("complex number literal", node)

    def _check(self, node: ast.AST, names: set[str], depth: int) -> None:
        """The static pass: whitelist every node and collect the names referred to."""
        if depth > MAX_DEPTH:
            raise self._refuse("nesting", None, f"formula is nested deeper than {MAX_DEPTH} levels")
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return
            if isinstance(node.value, int | float | complex):
                # The tree is ours: the literal is replaced by the Decimal of its source text,
                # which is what the evaluator then sees (no float survives the static pass).
                node.value = self._number(node)  # type: ignore[assignment]
                return
            kind = "text literal" if isinstance(node.value, str | bytes) else "constant"
            raise self._refuse(kind, node)
        if isinstance(node, ast.Name):
            self._check_name(node, names)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise self._refuse(_REFUSED_OPERATORS.get(type(node.op), "operator"), node)
            self._check(node.left, names, d)
            self._check(node.right, names, d)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
                raise self._refuse(_REFUSED_OPERATORS.get(type(node.op), "operator"), node)
            self._check(node.operand, names, d)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value, names, d)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARE:
                    raise self._refuse(_REFUSED_OPERATORS.get(type(op), "comparison"), node)
            for operand in (node.left, *node.comparators):
                self._check(operand, names, d)
        elif isinstance(node, ast.IfExp):
            for part in (node.test, node.body, node.orelse):
                self._check(part, names, d)
        elif isinstance(node, ast.Call):
            self._check_call(node, names, d)
        else:
            construct = _CONSTRUCTS.get(type(node), type(node).__name__)
            raise self._refuse(construct, node)

    def _check_name(self, node: ast.Name, names: set[str]) -> None:
        name = node.id
        if name.startswith("__"):
            raise self._refuse(f"name {name!r}", node)
        if name in FUNCTIONS:
            raise self._refuse(
                f"function {name!r} used as a value", node, f"{name!r} is a function; call it"
            )
        names.add(name)

    def _check_call(self, node: ast.Call, names: set[str], d: int) -> None:
        if not isinstance(node.func, ast.Name):
            construct = "attribute access" if isinstance(node.func, ast.Attribute) else "call"
            raise self._refuse(construct, node.func)
        fname = node.func.id
        if fname not in FUNCTIONS:
            raise self._refuse(
                f"call to {fname!r}",
                node,
                f"call to {fname!r} is not allowed in a formula "
                f"(only {', '.join(sorted(FUNCTIONS))})",
            )
        if node.keywords:
            raise self._refuse("keyword argument", node)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._refuse("argument unpacking (*)", arg)
        for arg in node.args:
            self._check(arg, names, d)
        n = len(node.args)
        if fname in ("min", "max") and n < 2:
            raise self._refuse(fname, node, f"{fname}() needs at least two arguments")
        if fname == "abs" and n != 1:
            raise self._refuse(fname, node, "abs() takes exactly one argument")
        if fname == "round" and n not in (1, 2):
            raise self._refuse(fname, node, "round() takes an amount and optional places")

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate(self, env: Env) -> Value:
        """Evaluate with `env` mapping each name in `names` to a Decimal or bool."""
        for name in self.names:
            value = env.get(name)
            if value is None:
                raise FormulaError(self.owner, f"no value for {name!r}")
            if isinstance(value, float) or not isinstance(value, Decimal | bool):
                raise FormulaError(
                    self.owner,
                    f"value of {name!r} must be a Decimal or bool, not {type(value).__name__}",
                )
        return _evaluate(self, self._tree.body, env)

    def evaluate_amount(self, env: Env) -> Decimal:
        value = self.evaluate(env)
        if isinstance(value, bool):
            raise FormulaError(self.owner, "formula gives true/false where an amount is needed")
        return value

    def evaluate_condition(self, env: Env) -> bool:
        value = self.evaluate(env)
        if not isinstance(value, bool):
            raise FormulaError(self.owner, "condition gives an amount; write a comparison")
        return value


def parse_formula(text: str, owner: str) -> Formula:
    """Parse and whitelist `text`; errors name `owner` (the component or setting)."""
    return Formula(text, owner)


# -- evaluation: simpleeval with Decimal operators --------------------------------------------
#
# The static pass above has already refused every construct outside the whitelist and turned
# every number literal into a Decimal. Evaluation walks the checked tree with `simpleeval`
# (its node dispatch, name and call handling, comparison chains, and its own refusal of any
# node type it is not given), with the operator and function tables replaced by typed Decimal
# ones below, and the nodes whose Python semantics would be wrong for us (truthiness in
# `and`/`or`/`if`, literals, unknown names) overridden.


class _Problem(Exception):
    """A typing or domain problem found by an operator; becomes a FormulaError naming the owner."""


class _DivisionByZero(Exception):
    """Raised by `/` and `//`; the binary-operator node turns it into an error quoting itself."""


def _amount(v: Value, where: str) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, Decimal):
        raise _Problem(f"{where} needs an amount, got {_describe_value(v)}")
    return v


def _truth(v: Value, where: str) -> bool:
    if not isinstance(v, bool):
        raise _Problem(f"{where} needs true/false, got an amount (compare it, e.g. `x > 0`)")
    return v


def _floor_divide(a: Decimal, b: Decimal) -> Decimal:
    quotient = _CONTEXT.divide(a, b)
    return quotient.to_integral_value(rounding=ROUND_FLOOR, context=_CONTEXT)


def _arithmetic(symbol: str, fn: Callable[[Decimal, Decimal], Decimal]) -> Callable[..., Value]:
    def apply(a: Value, b: Value) -> Value:
        x, y = _amount(a, symbol), _amount(b, symbol)
        if symbol in ("/", "//") and y == 0:
            raise _DivisionByZero
        return fn(x, y)

    return apply


def _comparison(fn: Callable[[Value, Value], bool], equality: bool) -> Callable[..., bool]:
    def compare(a: Value, b: Value) -> bool:
        if isinstance(a, bool) != isinstance(b, bool) or (isinstance(a, bool) and not equality):
            raise _Problem(f"cannot compare {_describe_value(a)} with {_describe_value(b)}")
        return fn(a, b)

    return compare


def _round(*args: Value) -> Decimal:
    values = [_amount(a, "round()") for a in args]
    places = values[1] if len(values) == 2 else Decimal(0)
    if places != places.to_integral_value() or not -9 <= places <= 12:
        raise _Problem("round(): places must be a whole number from -9 to 12")
    q = Decimal(1).scaleb(-int(places))
    try:
        return values[0].quantize(q, rounding=ROUND_HALF_UP, context=_CONTEXT)
    except decimal.DecimalException:
        raise _Problem("round(): the amount is too large") from None


_OPERATORS: dict[type[ast.AST], Callable[..., Value]] = {
    ast.Add: _arithmetic("+", _CONTEXT.add),
    ast.Sub: _arithmetic("-", _CONTEXT.subtract),
    ast.Mult: _arithmetic("*", _CONTEXT.multiply),
    ast.Div: _arithmetic("/", _CONTEXT.divide),
    ast.FloorDiv: _arithmetic("//", _floor_divide),
    ast.USub: lambda v: -_amount(v, "-"),
    ast.UAdd: lambda v: _amount(v, "+"),
    ast.Not: lambda v: not _truth(v, "not"),
    **{op: _comparison(fn, op in (ast.Eq, ast.NotEq)) for op, fn in _COMPARE.items()},
}
_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "min": lambda *a: min(_amount(v, "min()") for v in a),
    "max": lambda *a: max(_amount(v, "max()") for v in a),
    "abs": lambda v: abs(_amount(v, "abs()")),
    "round": _round,
}


@functools.cache
def _evaluator_class() -> type[Any]:
    """The simpleeval evaluator for checked formulas (imported on first use)."""
    from simpleeval import SimpleEval

    class DecimalEval(SimpleEval):
        def __init__(self, formula: Formula, env: Env) -> None:
            super().__init__(operators=_OPERATORS, functions=_FUNCTIONS, names=env)
            self.formula = formula

        def _segment(self, node: ast.AST) -> str:
            return ast.get_source_segment(self.formula.text, node) or "?"

        def _eval_constant(self, node: ast.Constant) -> Value:
            value = node.value
            if isinstance(value, bool | Decimal):
                return value
            raise _Problem(f"{type(value).__name__} literal")  # the static pass prevents it

        def _eval_name(self, node: ast.Name) -> Value:
            try:
                value: Value = self.names[node.id]
            except KeyError:
                raise _Problem(f"no value for {node.id!r}") from None
            return value

        def _eval_binop(self, node: ast.BinOp) -> Value:
            try:
                result: Value = super()._eval_binop(node)
            except _DivisionByZero:
                raise FormulaError(
                    self.formula.owner,
                    f"division by zero in `{self._segment(node)}`",
                    "division",
                ) from None
            except decimal.DecimalException as exc:
                raise FormulaError(
                    self.formula.owner,
                    f"arithmetic error in `{self._segment(node)}`: {type(exc).__name__}",
                ) from None
            return result

        def _eval_boolop(self, node: ast.BoolOp) -> Value:
            is_and = isinstance(node.op, ast.And)
            word = "and" if is_and else "or"
            for part in node.values:
                value = _truth(self._eval(part), word)
                if value is not is_and:
                    return value
            return is_and

        def _eval_ifexp(self, node: ast.IfExp) -> Value:
            test = _truth(self._eval(node.test), "if ... else")
            value: Value = self._eval(node.body if test else node.orelse)
            return value

    return DecimalEval


_LOCAL = threading.local()


def _evaluate(formula: Formula, node: ast.expr, env: Env) -> Value:
    from simpleeval import InvalidExpression

    # One evaluator per thread, given the formula and its values for each call (building one
    # costs more than evaluating a payroll formula; evaluation never re-enters itself).
    evaluator = getattr(_LOCAL, "evaluator", None)
    if evaluator is None:
        evaluator = _LOCAL.evaluator = _evaluator_class()(formula, env)
    evaluator.formula, evaluator.names = formula, env
    try:
        value: Value = evaluator.eval(formula.text, previously_parsed=node)
    except _Problem as problem:
        raise FormulaError(formula.owner, str(problem)) from None
    except InvalidExpression as exc:  # a node the static pass let through; cannot happen
        raise FormulaError(formula.owner, f"cannot be evaluated: {exc}") from None
    return value
