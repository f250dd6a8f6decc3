"""A safe formula language: for salary components (payroll), final scores of appraisals (hr) and
any other rule a user writes as an expression.

A formula is one Python *expression* parsed with `ast` and checked against a whitelist before it
is ever evaluated; nothing is passed to `eval`. Allowed:

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
from collections.abc import Callable, Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal


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
_Node = Callable[[Env], Value]

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
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
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

    __slots__ = ("_root", "names", "owner", "text")

    def __init__(self, text: str, owner: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise FormulaError(owner, "formula is empty")
        if len(text) > MAX_FORMULA_LENGTH:
            raise FormulaError(owner, f"formula is longer than {MAX_FORMULA_LENGTH} characters")
        self.text = text.strip()
        self.owner = owner
        tree = self._parse()
        names: set[str] = set()
        self._root = self._compile(tree.body, names, 0)
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

    def _compile(self, node: ast.AST, names: set[str], depth: int) -> _Node:
        if depth > MAX_DEPTH:
            raise self._refuse("nesting", None, f"formula is nested deeper than {MAX_DEPTH} levels")
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                flag = node.value
                return lambda env: flag
            if isinstance(node.value, int | float | complex):
                number = self._number(node)
                return lambda env: number
            kind = "text literal" if isinstance(node.value, str | bytes) else "constant"
            raise self._refuse(kind, node)
        if isinstance(node, ast.Name):
            return self._compile_name(node, names)
        if isinstance(node, ast.BinOp):
            return self._compile_binop(node, names, d)
        if isinstance(node, ast.UnaryOp):
            return self._compile_unary(node, names, d)
        if isinstance(node, ast.BoolOp):
            parts = [self._compile(v, names, d) for v in node.values]
            is_and = isinstance(node.op, ast.And)
            word = "and" if is_and else "or"
            return self._boolop(parts, is_and, word)
        if isinstance(node, ast.Compare):
            return self._compile_compare(node, names, d)
        if isinstance(node, ast.IfExp):
            test = self._compile(node.test, names, d)
            body = self._compile(node.body, names, d)
            orelse = self._compile(node.orelse, names, d)

            def if_exp(env: Env) -> Value:
                return body(env) if self._as_bool(test(env), "if ... else") else orelse(env)

            return if_exp
        if isinstance(node, ast.Call):
            return self._compile_call(node, names, d)
        construct = _CONSTRUCTS.get(type(node), type(node).__name__)
        raise self._refuse(construct, node)

    def _compile_name(self, node: ast.Name, names: set[str]) -> _Node:
        name = node.id
        if name.startswith("__"):
            raise self._refuse(f"name {name!r}", node)
        if name in FUNCTIONS:
            raise self._refuse(
                f"function {name!r} used as a value", node, f"{name!r} is a function; call it"
            )
        names.add(name)

        def lookup(env: Env) -> Value:
            try:
                return env[name]
            except KeyError:
                raise FormulaError(self.owner, f"no value for {name!r}") from None

        return lookup

    def _compile_binop(self, node: ast.BinOp, names: set[str], d: int) -> _Node:
        symbol = _BINOPS.get(type(node.op))
        if symbol is None:
            raise self._refuse(_REFUSED_OPERATORS.get(type(node.op), "operator"), node)
        left = self._compile(node.left, names, d)
        right = self._compile(node.right, names, d)
        segment = ast.get_source_segment(self.text, node) or symbol

        def binop(env: Env) -> Value:
            a = self._as_amount(left(env), symbol)
            b = self._as_amount(right(env), symbol)
            if symbol in ("/", "//") and b == 0:
                raise FormulaError(self.owner, f"division by zero in `{segment}`", "division")
            try:
                if symbol == "+":
                    return _CONTEXT.add(a, b)
                if symbol == "-":
                    return _CONTEXT.subtract(a, b)
                if symbol == "*":
                    return _CONTEXT.multiply(a, b)
                quotient = _CONTEXT.divide(a, b)
                if symbol == "//":
                    return quotient.to_integral_value(rounding=ROUND_FLOOR, context=_CONTEXT)
                return quotient
            except decimal.DecimalException as exc:
                raise FormulaError(
                    self.owner, f"arithmetic error in `{segment}`: {type(exc).__name__}"
                ) from None

        return binop

    def _compile_unary(self, node: ast.UnaryOp, names: set[str], d: int) -> _Node:
        operand = self._compile(node.operand, names, d)
        if isinstance(node.op, ast.Not):
            return lambda env: not self._as_bool(operand(env), "not")
        if isinstance(node.op, ast.USub):
            return lambda env: -self._as_amount(operand(env), "-")
        if isinstance(node.op, ast.UAdd):
            return lambda env: self._as_amount(operand(env), "+")
        raise self._refuse(_REFUSED_OPERATORS.get(type(node.op), "operator"), node)

    def _boolop(self, parts: list[_Node], is_and: bool, word: str) -> _Node:
        def boolop(env: Env) -> Value:
            for part in parts:
                value = self._as_bool(part(env), word)
                if value is not is_and:
                    return value
            return is_and

        return boolop

    def _compile_compare(self, node: ast.Compare, names: set[str], d: int) -> _Node:
        ops: list[Callable[[Value, Value], bool]] = []
        equality: list[bool] = []
        for op in node.ops:
            fn = _COMPARE.get(type(op))
            if fn is None:
                raise self._refuse(_REFUSED_OPERATORS.get(type(op), "comparison"), node)
            ops.append(fn)
            equality.append(isinstance(op, ast.Eq | ast.NotEq))
        operands = [self._compile(n, names, d) for n in (node.left, *node.comparators)]

        def compare(env: Env) -> Value:
            left = operands[0](env)
            for fn, eq, right_node in zip(ops, equality, operands[1:], strict=True):
                right = right_node(env)
                if isinstance(left, bool) != isinstance(right, bool) or (
                    isinstance(left, bool) and not eq
                ):
                    raise FormulaError(
                        self.owner,
                        f"cannot compare {_describe_value(left)} with {_describe_value(right)}",
                    )
                if not fn(left, right):
                    return False
                left = right
            return True

        return compare

    def _compile_call(self, node: ast.Call, names: set[str], d: int) -> _Node:
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
        args = [self._compile(a, names, d) for a in node.args]
        n = len(args)
        if fname in ("min", "max") and n < 2:
            raise self._refuse(fname, node, f"{fname}() needs at least two arguments")
        if fname == "abs" and n != 1:
            raise self._refuse(fname, node, "abs() takes exactly one argument")
        if fname == "round" and n not in (1, 2):
            raise self._refuse(fname, node, "round() takes an amount and optional places")

        def call(env: Env) -> Value:
            values = [self._as_amount(a(env), fname + "()") for a in args]
            if fname == "min":
                return min(values)
            if fname == "max":
                return max(values)
            if fname == "abs":
                return abs(values[0])
            places = values[1] if n == 2 else Decimal(0)
            if places != places.to_integral_value() or not -9 <= places <= 12:
                raise FormulaError(
                    self.owner, "round(): places must be a whole number from -9 to 12"
                )
            q = Decimal(1).scaleb(-int(places))
            try:
                return values[0].quantize(q, rounding=ROUND_HALF_UP, context=_CONTEXT)
            except decimal.DecimalException:
                raise FormulaError(self.owner, "round(): the amount is too large") from None

        return call

    # -- typed values -------------------------------------------------------------------------

    def _as_amount(self, v: Value, where: str) -> Decimal:
        if isinstance(v, bool) or not isinstance(v, Decimal):
            raise FormulaError(self.owner, f"{where} needs an amount, got {_describe_value(v)}")
        return v

    def _as_bool(self, v: Value, where: str) -> bool:
        if not isinstance(v, bool):
            raise FormulaError(
                self.owner,
                f"{where} needs true/false, got an amount (compare it, e.g. `x > 0`)",
            )
        return v

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
        return self._root(env)

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
