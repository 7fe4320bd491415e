"""A small, closed expression language for the values users type.

Spec strings such as ``LambdaLR(lr_lambda=lambda epoch: 0.95 ** epoch)`` are parsed with
:mod:`ast` and *interpreted* here, node by node, against a whitelist: numbers, strings,
lists, the lambda's one variable, arithmetic, comparisons, conditional expressions and a
few math functions and constants. Nothing is ever passed to ``eval``/``exec`` and no
attribute of any object is looked up.

A lambda means what the same Python lambda means: torch calls it with an integer epoch, so
``epoch ** 4`` is an exact integer and ``1 / (1 + epoch ** 4)`` the correctly rounded
quotient, as in Python. The one difference is a bound on the size of an integer a lambda
may make (:data:`MAX_LAMBDA_INT_BITS`): ``9**9**9`` fails at once instead of computing a
number with 370 million digits.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from . import safe_arrays as arr
from .errors import LrvizError

MAX_SPEC_LENGTH = 5000
"""Longest spec string accepted (a SequentialLR of several children fits easily)."""

MAX_LIST_ITEMS = 2500
"""Most items a list value may hold (about what a spec of MAX_SPEC_LENGTH can write)."""

MAX_LAMBDA_LENGTH = 500
"""Longest lambda accepted."""

MAX_DEPTH = 40
"""Deepest nesting of an expression."""

MAX_INT_BITS = 1024
"""Largest integer a value may hold (far beyond any step count, and cheap to print)."""

MAX_LAMBDA_INT_BITS = 1 << 16
"""Largest integer a lambda may compute (about 20,000 digits: ``epoch ** 1000`` at a
million steps fits); a larger one raises OverflowError instead of taking forever."""

FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": lambda x, n=None: round(x) if n is None else round(x, int(n)),
    "exp": math.exp,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "pow": math.pow,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "tanh": math.tanh,
    "atan": math.atan,
    "floor": math.floor,
    "ceil": math.ceil,
}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf, "nan": math.nan}

BUILTINS = ("abs", "min", "max", "round")
"""The functions that are Python's built-ins; the others are :mod:`math`'s (``pow`` too:
``math.pow``, which computes in floats, unlike the built-in ``pow``)."""

LAMBDA_HELP = (
    "a lambda may use numbers, its one variable, + - * / // % **, comparisons, "
    "'x if cond else y', and " + ", ".join(sorted(FUNCTIONS)) + ", " + ", ".join(sorted(CONSTANTS))
)


class SpecError(LrvizError):
    """An error located in the text of a spec."""

    def __init__(self, message: str, source: str = "", node: ast.AST | None = None, hint: str | None = None):
        where = ""
        if node is not None and source and hasattr(node, "col_offset"):
            segment = ast.get_source_segment(source, node) or ""
            segment = " ".join(segment.split())
            if len(segment) > 40:
                segment = segment[:37] + "..."
            col = getattr(node, "col_offset", 0) + 1
            where = f"at column {col} ('{segment}'): " if segment else f"at column {col}: "
        super().__init__(f"{where}{message}", hint)


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def _safe_pow(a: Any, b: Any) -> Any:
    """``a ** b`` that cannot hang: integer powers are bounded, float powers overflow."""
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
        if b < 0 or abs(a) < 2:
            return a**b
        if b * math.log2(abs(a)) > 256:
            raise OverflowError("integer result too large")
        return a**b
    result = math.pow(a, b)
    return result


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access is not allowed",
        ast.Subscript: "indexing is not allowed",
        ast.Call: "calls are not allowed here",
        ast.Lambda: "a lambda is not allowed here",
        ast.Dict: "dicts are not allowed",
        ast.Set: "sets are not allowed",
        ast.ListComp: "comprehensions are not allowed",
        ast.GeneratorExp: "comprehensions are not allowed",
        ast.DictComp: "comprehensions are not allowed",
        ast.SetComp: "comprehensions are not allowed",
        ast.JoinedStr: "f-strings are not allowed",
        ast.NamedExpr: "':=' is not allowed",
        ast.Starred: "'*' unpacking is not allowed",
        ast.Await: "'await' is not allowed",
        ast.Yield: "'yield' is not allowed",
    }
    for kind, text in kinds.items():
        if isinstance(node, kind):
            return text
    return f"{type(node).__name__} expressions are not allowed"


def constant(node: ast.expr, source: str) -> Any:
    """The value of a constant expression: numbers (with arithmetic), strings, booleans,
    None, pi/e/inf/nan, and lists/tuples of those."""
    return _Constant(source).eval(node, 0)


class _Constant:
    def __init__(self, source: str) -> None:
        self.source = source

    def eval(self, node: ast.expr, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise SpecError("expression is nested too deeply", self.source, node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, int) and node.value.bit_length() > MAX_INT_BITS:
                raise SpecError("this number is too large", self.source, node)
            if isinstance(node.value, (bool, int, float, str)) or node.value is None:
                return node.value
            raise SpecError(f"{type(node.value).__name__} values are not allowed", self.source, node)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.eval(elt, depth + 1) for elt in node.elts]
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise SpecError(
                f"unknown name '{node.id}'",
                self.source,
                node,
                "values are numbers, strings, lists, True/False/None, pi, e, inf, lambdas or schedule calls",
            )
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "math"
            and node.attr in CONSTANTS
        ):
            return CONSTANTS[node.attr]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.eval(node.operand, depth + 1)
            if not _is_number(value):
                raise SpecError("a sign needs a number", self.source, node)
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left = self.eval(node.left, depth + 1)
            right = self.eval(node.right, depth + 1)
            if not (_is_number(left) and _is_number(right)):
                raise SpecError("arithmetic needs numbers", self.source, node)
            fn = _safe_pow if isinstance(node.op, ast.Pow) else _BINOPS[type(node.op)]
            try:
                result = fn(left, right)
            except (ArithmeticError, ValueError) as exc:
                raise SpecError(f"cannot compute this: {exc}", self.source, node) from None
            if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
                raise SpecError("this number is too large", self.source, node)
            return result
        raise SpecError(_describe(node), self.source, node)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --------------------------------------------------------------------------------------
# Lambdas: Python's arithmetic, with integers bounded


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_LAMBDA_INT_BITS:
        raise OverflowError("integer result too large")
    return value


def _lambda_pow(a: Any, b: Any) -> Any:
    """``a ** b`` as Python computes it for ints (an exact integer, or a float for a negative
    exponent), as ``math.pow`` for the rest; an integer result too large fails at once."""
    if isinstance(a, int) and isinstance(b, int):
        if b > 0 and abs(a) > 1 and b * math.log2(abs(a)) > MAX_LAMBDA_INT_BITS:
            raise OverflowError("integer result too large")
        return a**b
    return math.pow(a, b)


def _lambda_mul(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_LAMBDA_INT_BITS + 1:
        raise OverflowError("integer result too large")
    return _check_int(a * b)


_LAMBDA_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    **_BINOPS,
    ast.Mult: _lambda_mul,
    ast.Pow: _lambda_pow,
    ast.Add: lambda a, b: _check_int(a + b),
    ast.Sub: lambda a, b: _check_int(a - b),
}


class LambdaExpr:
    """A user's ``lambda x: <expr>``, checked against the whitelist and compiled into a
    tree of Python closures (fast to call, and never ``eval``).

    It is a callable object rather than a function so that ``LambdaLR.state_dict()``
    keeps it, and its text is what :func:`repr` and spec formatting show.
    """

    def __init__(self, text: str, var: str, body: ast.expr, source: str) -> None:
        self.text = text
        self.var = var
        self._fn = _Compiler(var, source).compile(body, 0)
        self._body = body
        self._vector: Callable[[Any], Any] | None = None

    @classmethod
    def from_node(cls, node: ast.Lambda, source: str) -> LambdaExpr:
        text = ast.get_source_segment(source, node) or ast.unparse(node)
        if len(text) > MAX_LAMBDA_LENGTH:
            raise SpecError(f"lambda is longer than {MAX_LAMBDA_LENGTH} characters", source, node)
        args = node.args
        if len(args.args) != 1 or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg or args.defaults:
            raise SpecError("a lambda takes exactly one argument, as in 'lambda epoch: 0.95 ** epoch'", source, node)
        # ast.unparse drops comments and line breaks a pasted lambda may carry
        return cls(ast.unparse(node), args.args[0].arg, node.body, source)

    @classmethod
    def parse(cls, text: str) -> LambdaExpr:
        """A lambda from text: either ``lambda x: expr`` or a bare expression in one
        variable, such as ``0.95 ** epoch``."""
        stripped = text.strip()
        if len(stripped) > MAX_LAMBDA_LENGTH:
            raise SpecError(f"lambda is longer than {MAX_LAMBDA_LENGTH} characters")
        if "\0" in stripped:
            raise SpecError("a lambda cannot hold a NUL character")
        try:
            tree = ast.parse(stripped, mode="eval")
        except SyntaxError as exc:
            where = f" at column {exc.offset}" if exc.offset else ""
            raise SpecError(f"not a valid expression: {exc.msg}{where}") from None
        except (RecursionError, MemoryError):
            raise SpecError("the expression is nested too deeply") from None
        node = tree.body
        if isinstance(node, ast.Lambda):
            return cls.from_node(node, stripped)
        called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        bare = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in called]
        names = sorted({name for name in bare if name not in CONSTANTS and name != "math"})
        if len(names) > 1:
            raise SpecError(
                f"an expression for a lambda uses one variable, this one uses {', '.join(names)}",
                hint="write it as 'lambda epoch: ...'",
            )
        if not names and "e" in bare:
            # 'e' alone is Euler's number: a body meant to be in a variable called e would
            # silently become a constant
            raise SpecError(
                f"in '{ast.unparse(node)}', e is Euler's number (2.718...) and there is no variable",
                hint=f"to use e as the variable, write 'lambda e: {ast.unparse(node)}'; "
                "for Euler's number in a constant, write math.e",
            )
        var = names[0] if names else "epoch"
        return cls(f"lambda {var}: {ast.unparse(node)}", var, node, stripped)

    def __call__(self, x: float) -> float:
        try:
            return float(self._fn(x))
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise LambdaEvalError(f"{self.text} failed at {self.var}={x}: {exc}") from None

    def vector(self, xs: Any) -> Any:
        """The lambda at every value of the array ``xs`` at once (integer steps, as torch
        passes them, or floats): the same floats as calling it on each, Python's integer
        arithmetic included (numpy where that is exact, Python's own operations elementwise
        where it is not). None where a call would raise (division by zero, a math error) or
        give a non-finite value: then the caller calls it one value at a time and reports
        the failure as usual."""
        import numpy as np

        try:
            if self._vector is None:
                self._vector = _VectorCompiler(self.var).compile(self._body)
            with np.errstate(all="ignore"):
                out = np.asarray(self._vector(arr.typed(np.asarray(xs))), dtype=float)
        except (arr.NotVectorizable, ArithmeticError, LookupError, ValueError, TypeError):
            return None
        if out.shape != np.shape(xs) or not np.isfinite(out).all():
            return None
        return out

    def python(self) -> str:
        """The lambda as Python source that runs with only ``import math`` before it: the
        math functions and constants it uses as ``math.name``."""
        var = self.var

        class Qualify(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.AST:
                if node.id != var and node.id in CONSTANTS:
                    return ast.copy_location(ast.Attribute(ast.Name("math", ast.Load()), node.id, ast.Load()), node)
                return node

            def visit_Call(self, node: ast.Call) -> ast.AST:
                self.generic_visit(node)
                func = node.func
                if isinstance(func, ast.Name) and func.id in FUNCTIONS and func.id not in BUILTINS:
                    node.func = ast.Attribute(ast.Name("math", ast.Load()), func.id, ast.Load())
                return node

        body = Qualify().visit(ast.parse(ast.unparse(self._body), mode="eval").body)
        return f"lambda {var}: {ast.unparse(body)}"

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LambdaExpr) and (self.text, self.var) == (other.text, other.var)

    def __hash__(self) -> int:
        return hash((self.text, self.var))


class LambdaEvalError(LrvizError):
    """A user lambda failed while the schedule was stepped."""


class _Compiler:
    def __init__(self, var: str, source: str) -> None:
        self.var = var
        self.source = source

    def compile(self, node: ast.expr, depth: int) -> Callable[[Any], Any]:
        if depth > MAX_DEPTH:
            raise SpecError("lambda is nested too deeply", self.source, node)
        c = self.compile
        if isinstance(node, ast.Constant):
            if (
                isinstance(node.value, int)
                and not isinstance(node.value, bool)
                and node.value.bit_length() > MAX_INT_BITS
            ):
                raise SpecError("this number is too large", self.source, node)
            if isinstance(node.value, (bool, int, float)):
                value: Any = node.value  # an int stays an int, as in Python
            else:
                raise SpecError("a lambda computes with numbers only", self.source, node, LAMBDA_HELP)
            return lambda x: value
        if isinstance(node, ast.Name):
            if node.id == self.var:
                return lambda x: x
            if node.id in CONSTANTS:
                const = CONSTANTS[node.id]
                return lambda x: const
            raise SpecError(f"unknown name '{node.id}' in lambda (its variable is '{self.var}')", self.source, node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math":
            if node.attr in CONSTANTS:
                const = CONSTANTS[node.attr]
                return lambda x: const
        if isinstance(node, ast.UnaryOp):
            operand = c(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return lambda x: -operand(x)
            if isinstance(node.op, ast.UAdd):
                return lambda x: +operand(x)
            if isinstance(node.op, ast.Not):
                return lambda x: not operand(x)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = c(node.left, depth + 1), c(node.right, depth + 1)
            fn = _LAMBDA_BINOPS[type(node.op)]
            return lambda x: fn(left(x), right(x))
        if isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
            first = c(node.left, depth + 1)
            rest = [
                (_CMPOPS[type(op)], c(comp, depth + 1)) for op, comp in zip(node.ops, node.comparators, strict=True)
            ]

            def compare(x: Any) -> bool:
                left = first(x)
                for op, comp in rest:
                    right = comp(x)
                    if not op(left, right):
                        return False
                    left = right
                return True

            return compare
        if isinstance(node, ast.BoolOp):
            parts = [c(v, depth + 1) for v in node.values]
            if isinstance(node.op, ast.And):

                def all_of(x: Any) -> Any:
                    result: Any = True
                    for part in parts:
                        result = part(x)
                        if not result:
                            return result
                    return result

                return all_of

            def any_of(x: Any) -> Any:
                result: Any = False
                for part in parts:
                    result = part(x)
                    if result:
                        return result
                return result

            return any_of
        if isinstance(node, ast.IfExp):
            test, body, orelse = c(node.test, depth + 1), c(node.body, depth + 1), c(node.orelse, depth + 1)
            return lambda x: body(x) if test(x) else orelse(x)
        if isinstance(node, ast.Call):
            name = self._function_name(node.func)
            if name is None or name not in FUNCTIONS:
                shown = ast.get_source_segment(self.source, node.func) or "?"
                raise SpecError(f"'{shown}' is not an allowed function", self.source, node, LAMBDA_HELP)
            if node.keywords:
                raise SpecError("math functions take positional arguments only", self.source, node)
            fn = FUNCTIONS[name]
            args = [c(a, depth + 1) for a in node.args]
            return lambda x: _check_int(fn(*(a(x) for a in args)))
        raise SpecError(f"{_describe(node)} in a lambda", self.source, node, LAMBDA_HELP)

    @staticmethod
    def _function_name(func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "math":
            return func.attr
        return None


# --------------------------------------------------------------------------------------
# Lambdas over arrays of steps
#
# A value is a numpy array of one of three kinds: float64 (Python floats), int64 holding
# only integers within +-2**53 (Python ints that convert to float exactly, so that numpy's
# mixed int/float arithmetic and comparisons equal Python's), or object (any Python
# values, computed elementwise by Python itself). Booleans (from comparisons) count as
# ints in arithmetic, as in Python.


def _binary(op: type, a: Any, b: Any) -> Any:
    import numpy as np

    fn = _LAMBDA_BINOPS[op]
    a, b = arr.ints(a), arr.ints(b)
    if a.dtype == object or b.dtype == object:
        return arr.elementwise(fn, a, b)
    if op in (ast.Div, ast.FloorDiv, ast.Mod) and np.any(b == 0):
        raise arr.NotVectorizable  # Python: ZeroDivisionError
    if a.dtype == np.int64 and b.dtype == np.int64:
        big = max(arr.magnitude(a), 1.0)
        if op is ast.Pow:
            if np.any(b < 0):  # int ** negative int: float(a) ** float(b), as Python
                return arr.map_floats(math.pow, a.astype(float), b.astype(float))
            if arr.magnitude(b) * math.log2(big) > 52:
                return arr.elementwise(fn, a, b)
            return arr.typed(np.power(a, b))
        if op is ast.Mult and big * max(arr.magnitude(b), 1.0) > 2.0**62:
            return arr.elementwise(fn, a, b)
        if op is ast.Div:
            return a / b  # exact ints: the division rounds once, as Python's int / int
        return arr.typed(_BINOPS[op](a, b))
    a, b = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
    if op is ast.Pow:
        return arr.map_floats(math.pow, a, b)
    return _BINOPS[op](a, b)


class _VectorCompiler:
    """The whitelisted tree (already checked by :class:`_Compiler`) as functions of an
    array of values. Branches and ``and``/``or`` evaluate each side only on the elements
    that reach it, as Python's short-circuiting does, so a guarded ``1 / epoch`` is fine."""

    def __init__(self, var: str) -> None:
        self.var = var

    def compile(self, node: ast.expr) -> Callable[[Any], Any]:
        import numpy as np

        c = self.compile
        if isinstance(node, ast.Constant):
            value = node.value
            return lambda x: arr.filled(value, len(x))
        if isinstance(node, ast.Name):
            if node.id == self.var:
                return lambda x: x
            const = CONSTANTS[node.id]
            return lambda x: np.full(len(x), const)
        if isinstance(node, ast.Attribute):
            const = CONSTANTS[node.attr]
            return lambda x: np.full(len(x), const)
        if isinstance(node, ast.UnaryOp):
            operand = c(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda x: arr.unary(operand(x), operator.neg)
            if isinstance(node.op, ast.UAdd):
                return lambda x: arr.unary(operand(x), operator.pos)
            return lambda x: ~arr.truthy(operand(x))
        if isinstance(node, ast.BinOp):
            left, right = c(node.left), c(node.right)
            op = type(node.op)
            return lambda x: _binary(op, left(x), right(x))
        if isinstance(node, ast.Compare):
            first = c(node.left)
            rest = [(_CMPOPS[type(op)], c(comp)) for op, comp in zip(node.ops, node.comparators, strict=True)]

            def compare(x: Any) -> Any:
                # a < b < c: each comparison only where the previous ones held
                result = np.ones(len(x), dtype=bool)
                left = first(x)
                for op, comp in rest:
                    alive = np.flatnonzero(result)
                    if not len(alive):
                        break
                    right = comp(x[alive])
                    result[alive] = arr.compare(op, left[alive], right)
                    left = arr.gather([(alive, right)], len(x))
                return result

            return compare
        if isinstance(node, ast.BoolOp):
            parts = [c(v) for v in node.values]
            stop_when = isinstance(node.op, ast.Or)  # 'or' stops at a truthy value, 'and' at a falsy one

            def boolop(x: Any) -> Any:
                pending = np.arange(len(x))
                pieces: list[tuple[Any, Any]] = []
                for k, part in enumerate(parts):
                    if not len(pending):
                        break
                    got = part(x[pending])
                    if k == len(parts) - 1:  # the last operand's value, whatever it is
                        pieces.append((pending, got))
                        break
                    stops = arr.truthy(got) == stop_when
                    pieces.append((pending[stops], got[stops]))
                    pending = pending[~stops]
                return arr.gather(pieces, len(x))

            return boolop
        if isinstance(node, ast.IfExp):
            test, body, orelse = c(node.test), c(node.body), c(node.orelse)

            def branch(x: Any) -> Any:
                chosen = arr.truthy(test(x))
                yes, no = np.flatnonzero(chosen), np.flatnonzero(~chosen)
                pieces = []
                if len(yes):
                    pieces.append((yes, body(x[yes])))
                if len(no):
                    pieces.append((no, orelse(x[no])))
                return arr.gather(pieces, len(x)) if pieces else np.empty(0)

            return branch
        if isinstance(node, ast.Call):
            name = _Compiler._function_name(node.func)
            assert name is not None
            args = [c(a) for a in node.args]
            fn = FUNCTIONS[name]
            if not args:
                raise arr.NotVectorizable  # min(), cos(): Python raises, one call at a time says so
            if name in ("min", "max") and len(args) >= 2:
                better = operator.lt if name == "min" else operator.gt

                def extreme(x: Any) -> Any:
                    values = [arr.ints(a(x)) for a in args]
                    if len({v.dtype for v in values}) > 1 or values[0].dtype == object:
                        return arr.elementwise(fn, *values)  # mixed ints and floats: Python picks the object
                    # Python keeps the first of equal values and skips NaN as a candidate
                    out = values[0]
                    for value in values[1:]:
                        out = np.where(better(value, out), value, out)
                    return out

                return extreme
            if name in ("exp", "log", "log2", "log10", "sqrt", "pow", "sin", "cos", "tan", "tanh", "atan"):
                return lambda x: arr.map_floats(fn, *(arr.ints(a(x)).tolist() for a in args))
            return lambda x: arr.elementwise(lambda *v: _check_int(fn(*v)), *(arr.ints(a(x)) for a in args))
        raise arr.NotVectorizable
