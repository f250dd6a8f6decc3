"""A safe formula language for salary components, and salary structures evaluated in order.

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
import keyword
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from erp_core.payroll.errors import CyclicFormulas, FormulaError, PayrollError, UnknownReference

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


# -- components and structures ----------------------------------------------------------------


class ComponentType(StrEnum):
    EARNING = "earning"
    DEDUCTION = "deduction"
    EMPLOYER_CONTRIBUTION = "employer_contribution"
    STATISTICAL = "statistical"  # computed and shown, never paid, never posted


class AmountKind(StrEnum):
    FIXED = "fixed"  # `amount` (or the employee's override)
    FORMULA = "formula"  # `formula`
    CONDITION = "condition"  # `formula` or `amount`, applied only when `condition` is true


def check_code(code: object, field_name: str) -> str:
    if not isinstance(code, str) or not code.isidentifier() or code.startswith("_"):
        raise PayrollError(
            field_name, f"{code!r} is not a valid code (letters, digits, '_'; not first '_')"
        )
    if code in FUNCTIONS or code in ("True", "False", "None") or code in _KEYWORDS:
        raise PayrollError(field_name, f"{code!r} is a reserved word")
    return code


_KEYWORDS = frozenset(keyword.kwlist)


def check_amount(value: object, field_name: str, *, allow_negative: bool = False) -> Decimal:
    """Accept a finite Decimal or int (never a float or bool) and return it as Decimal."""
    if isinstance(value, bool | float):
        raise PayrollError(field_name, "must be a Decimal or int, not a float or bool")
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PayrollError(field_name, f"must be a finite Decimal, got {value!r}")
    if value < 0 and not allow_negative:
        raise PayrollError(field_name, f"must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class Component:
    """One salary component of a structure.

    `taxable` (earnings only) counts the amount in taxable income; `pre_tax` (deductions only)
    takes it off taxable income (e.g. an employee pension contribution); `prorated` scales the
    amount by payment days / working days.
    """

    code: str
    type: ComponentType
    kind: AmountKind
    amount: Decimal | None = None
    formula: str | None = None
    condition: str | None = None
    taxable: bool = False
    pre_tax: bool = False
    prorated: bool = False
    name: str = ""
    parsed_formula: Formula | None = field(init=False, repr=False, compare=False, default=None)
    parsed_condition: Formula | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        code = check_code(self.code, "components.code")
        try:
            kind = AmountKind(self.kind)
            ctype = ComponentType(self.type)
        except ValueError as exc:
            raise PayrollError(code, str(exc)) from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "type", ctype)
        if self.amount is not None:
            object.__setattr__(self, "amount", check_amount(self.amount, f"{code}.amount"))
        if kind is AmountKind.FIXED and (self.amount is None or self.formula or self.condition):
            raise PayrollError(code, "a fixed component has an amount and no formula or condition")
        if kind is AmountKind.FORMULA and (
            not self.formula or self.amount is not None or self.condition
        ):
            raise PayrollError(code, "a formula component has a formula and no amount or condition")
        if kind is AmountKind.CONDITION and (
            not self.condition or (self.formula is None) == (self.amount is None)
        ):
            raise PayrollError(
                code, "a conditional component has a condition and either a formula or an amount"
            )
        if self.taxable and ctype is not ComponentType.EARNING:
            raise PayrollError(code, "only an earning can be taxable")
        if self.pre_tax and ctype is not ComponentType.DEDUCTION:
            raise PayrollError(code, "only a deduction can be pre-tax")
        if self.formula:
            object.__setattr__(self, "parsed_formula", Formula(self.formula, code))
        if self.condition:
            object.__setattr__(self, "parsed_condition", Formula(self.condition, code))

    @property
    def references(self) -> frozenset[str]:
        names: frozenset[str] = frozenset()
        for f in (self.parsed_formula, self.parsed_condition):
            if f is not None:
                names |= f.names
        return names


def evaluation_order(
    components: tuple[Component, ...], variables: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Codes in an order where each comes after everything its formulas refer to.

    Independent components keep their listed order. An unknown name raises `UnknownReference`
    naming the component; a loop raises `CyclicFormulas` naming it ("a -> b -> a").
    """
    by_code = {c.code: c for c in components}
    known = STANDARD_VARIABLES | variables
    for c in components:
        for name in sorted(c.references):
            if name not in by_code and name not in known:
                raise UnknownReference(c.code, name)
    order: list[str] = []
    done: set[str] = set()
    path: list[str] = []

    def visit(code: str) -> None:
        if code in done:
            return
        if code in path:
            cycle = (*path[path.index(code) :], code)
            raise CyclicFormulas(cycle)
        path.append(code)
        for dep in sorted(by_code[code].references & by_code.keys()):
            visit(dep)
        path.pop()
        done.add(code)
        order.append(code)

    for c in components:
        visit(c.code)
    return tuple(order)


@dataclass(frozen=True)
class SalaryStructure:
    """Components (in any order) plus the extra employee variables their formulas may use.

    Checked when built: unique codes, no code that is also a variable, every name known, no
    cycle. `order` is the evaluation order.
    """

    code: str
    components: tuple[Component, ...]
    variables: frozenset[str] = frozenset()
    order: tuple[str, ...] = field(init=False, compare=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "variables", frozenset(self.variables))
        seen: set[str] = set()
        for c in self.components:
            if not isinstance(c, Component):
                raise PayrollError("components", f"expected Component, got {type(c).__name__}")
            if c.code in seen:
                raise PayrollError(c.code, "component code appears twice in the structure")
            seen.add(c.code)
        for v in sorted(self.variables):
            check_code(v, "variables")
        clash = sorted(seen & (STANDARD_VARIABLES | self.variables))
        if clash:
            raise PayrollError(clash[0], "is both a component code and a variable name")
        object.__setattr__(self, "order", evaluation_order(self.components, self.variables))

    def component(self, code: str) -> Component:
        for c in self.components:
            if c.code == code:
                return c
        raise PayrollError(code, "no such component in the structure")


@dataclass(frozen=True)
class StructureAmounts:
    """Full-period amounts (exact, unrounded) by component code; `active` excludes components
    whose condition was false (their amount is 0)."""

    amounts: Mapping[str, Decimal]
    active: frozenset[str]


def evaluate_structure(
    structure: SalaryStructure,
    variables: Mapping[str, Decimal],
    overrides: Mapping[str, Decimal] | None = None,
) -> StructureAmounts:
    """Evaluate every component in dependency order.

    `variables` must hold every variable some formula uses; `overrides` replaces the amount of
    fixed components for this employee (e.g. the pay in their salary assignment). A component
    that comes out negative is refused (make it a deduction instead), except statistical ones.
    """
    env: dict[str, Value] = {}
    needed = (
        set().union(*(c.references for c in structure.components))
        if structure.components
        else set()
    )
    for name, value in variables.items():
        if name not in STANDARD_VARIABLES | structure.variables:
            raise PayrollError(f"variables.{name}", "is not a variable of the structure")
        env[name] = check_amount(value, f"variables.{name}", allow_negative=True)
    for name in sorted(needed - {c.code for c in structure.components}):
        if name not in env:
            users = sorted(c.code for c in structure.components if name in c.references)
            raise PayrollError(f"variables.{name}", f"needed by {', '.join(users)}, not supplied")
    overrides = dict(overrides or {})
    for code in sorted(overrides):
        c = structure.component(code)
        if c.amount is None:
            raise PayrollError(code, "only a component with an amount can be overridden")
        overrides[code] = check_amount(overrides[code], f"overrides.{code}")
    amounts: dict[str, Decimal] = {}
    active: set[str] = set()
    for code in structure.order:
        c = structure.component(code)
        if c.parsed_condition is not None and not c.parsed_condition.evaluate_condition(env):
            amount = Decimal(0)
        else:
            active.add(code)
            if c.parsed_formula is not None:
                amount = c.parsed_formula.evaluate_amount(env)
            else:
                amount = overrides.get(code, c.amount if c.amount is not None else Decimal(0))
            if abs(amount) >= MAX_AMOUNT:
                raise PayrollError(code, f"amount {amount} is out of range (below 10^15)")
            if amount < 0 and c.type is not ComponentType.STATISTICAL:
                raise PayrollError(code, f"amount comes out negative ({amount}); not allowed")
        amounts[code] = amount
        env[code] = amount
    return StructureAmounts(amounts=amounts, active=frozenset(active))
