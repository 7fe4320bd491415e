"""A small, closed expression language for the values users type.

Spec strings such as ``LambdaLR(lr_lambda=lambda epoch: 0.95 ** epoch)`` are parsed with
:mod:`ast` and *interpreted* here, node by node, against a whitelist: numbers, strings,
lists, the lambda's one variable, arithmetic, comparisons, conditional expressions and a
few math functions and constants. Nothing is ever passed to ``eval``/``exec``, no attribute
of any object is looked up, and lambdas compute in floats, so ``9**9**9`` overflows at once
instead of computing a number with 370 million digits.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from .errors import LrvizError

MAX_SPEC_LENGTH = 5000
"""Longest spec string accepted (a SequentialLR of several children fits easily)."""

MAX_LAMBDA_LENGTH = 500
"""Longest lambda accepted."""

MAX_DEPTH = 40
"""Deepest nesting of an expression."""

MAX_INT_BITS = 1024
"""Largest integer a value may hold (far beyond any step count, and cheap to print)."""

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
        names = sorted(
            {
                n.id
                for n in ast.walk(node)
                if isinstance(n, ast.Name) and id(n) not in called and n.id not in CONSTANTS and n.id != "math"
            }
        )
        if len(names) > 1:
            raise SpecError(
                f"an expression for a lambda uses one variable, this one uses {', '.join(names)}",
                hint="write it as 'lambda epoch: ...'",
            )
        var = names[0] if names else "epoch"
        return cls(f"lambda {var}: {ast.unparse(node)}", var, node, stripped)

    def __call__(self, x: float) -> float:
        try:
            return float(self._fn(float(x)))
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise LambdaEvalError(f"{self.text} failed at {self.var}={x}: {exc}") from None

    def vector(self, xs: Any) -> Any:
        """The lambda at every value of the float array ``xs`` at once: the same floats
        as calling it on each (numpy for + - * / // %, comparisons and branches; Python's
        own math functions and powers, mapped). None where a call would raise (division
        by zero, a math error) or give a non-finite value: then the caller calls it one
        value at a time and reports the failure as usual."""
        import numpy as np

        if self._vector is None:
            self._vector = _VectorCompiler(self.var).compile(self._body)
        try:
            with np.errstate(all="ignore"):
                out = np.asarray(self._vector(np.asarray(xs, dtype=float)), dtype=float)
        except (_NotVectorizable, ArithmeticError, ValueError, TypeError):
            return None
        if out.shape != np.shape(xs) or not np.isfinite(out).all():
            return None
        return out

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

    def compile(self, node: ast.expr, depth: int) -> Callable[[float], Any]:
        if depth > MAX_DEPTH:
            raise SpecError("lambda is nested too deeply", self.source, node)
        c = self.compile
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                value: Any = node.value
            elif isinstance(node.value, (int, float)):
                value = float(node.value)
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
            if isinstance(node.op, ast.Pow):
                return lambda x: math.pow(left(x), right(x))
            fn = _BINOPS[type(node.op)]
            return lambda x: fn(left(x), right(x))
        if isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
            first = c(node.left, depth + 1)
            rest = [
                (_CMPOPS[type(op)], c(comp, depth + 1)) for op, comp in zip(node.ops, node.comparators, strict=True)
            ]

            def compare(x: float) -> bool:
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

                def all_of(x: float) -> Any:
                    result: Any = True
                    for part in parts:
                        result = part(x)
                        if not result:
                            return result
                    return result

                return all_of

            def any_of(x: float) -> Any:
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
            return lambda x: fn(*(a(x) for a in args))
        raise SpecError(f"{_describe(node)} in a lambda", self.source, node, LAMBDA_HELP)

    @staticmethod
    def _function_name(func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "math":
            return func.attr
        return None


class _NotVectorizable(Exception):
    """A value the one-at-a-time lambda would refuse (it raises): do it that way."""


class _VectorCompiler:
    """The whitelisted tree (already checked by :class:`_Compiler`) as functions of a
    float array. Branches and ``and``/``or`` evaluate each side only on the elements that
    reach it, as Python's short-circuiting does, so a guarded ``1 / epoch`` is fine."""

    def __init__(self, var: str) -> None:
        self.var = var

    def compile(self, node: ast.expr) -> Callable[[Any], Any]:
        import numpy as np

        c = self.compile
        if isinstance(node, ast.Constant):
            value = node.value if isinstance(node.value, bool) else float(node.value)  # type: ignore[arg-type]
            return lambda x: np.full(len(x), value)
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
                return lambda x: -operand(x)
            if isinstance(node.op, ast.UAdd):
                return lambda x: +operand(x)
            return lambda x: ~_truthy(operand(x))
        if isinstance(node, ast.BinOp):
            left, right = c(node.left), c(node.right)
            if isinstance(node.op, ast.Pow):
                return lambda x: map_floats(math.pow, left(x), right(x))
            fn = _BINOPS[type(node.op)]
            if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):

                def divide(x: Any) -> Any:
                    a, b = left(x), right(x)
                    if np.any(b == 0):
                        raise _NotVectorizable  # Python: ZeroDivisionError
                    return fn(_numeric(a), _numeric(b))

                return divide
            return lambda x: fn(_numeric(left(x)), _numeric(right(x)))
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
                    right = _take(comp, x, alive)
                    result[alive] = op(left[alive] if np.ndim(left) else left, right)
                    full = np.zeros(len(x))
                    full[alive] = right
                    left = full
                return result

            return compare
        if isinstance(node, ast.BoolOp):
            parts = [c(v) for v in node.values]
            stop_when = isinstance(node.op, ast.Or)  # 'or' stops at a truthy value

            def boolop(x: Any) -> Any:
                out = np.asarray(parts[0](x), dtype=float)
                pending = np.flatnonzero(_truthy(out) != stop_when)
                for part in parts[1:]:
                    if not len(pending):
                        break
                    values = np.asarray(_take(part, x, pending), dtype=float)
                    out[pending] = values
                    pending = pending[_truthy(values) != stop_when]
                return out

            return boolop
        if isinstance(node, ast.IfExp):
            test, body, orelse = c(node.test), c(node.body), c(node.orelse)

            def branch(x: Any) -> Any:
                chosen = _truthy(test(x))
                out = np.empty(len(x))
                yes, no = np.flatnonzero(chosen), np.flatnonzero(~chosen)
                if len(yes):
                    out[yes] = _take(body, x, yes)
                if len(no):
                    out[no] = _take(orelse, x, no)
                return out

            return branch
        if isinstance(node, ast.Call):
            name = _Compiler._function_name(node.func)
            assert name is not None
            args = [c(a) for a in node.args]
            if name in ("min", "max"):
                if len(args) < 2:
                    raise _NotVectorizable
                better = operator.lt if name == "min" else operator.gt

                def extreme(x: Any) -> Any:
                    # Python keeps the first of equal values and skips NaN as a candidate
                    out = np.asarray(args[0](x), dtype=float)
                    for a in args[1:]:
                        value = np.asarray(a(x), dtype=float)
                        out = np.where(better(value, out), value, out)
                    return out

                return extreme
            if name == "abs":
                return lambda x: np.abs(_numeric(args[0](x)))
            fn = FUNCTIONS[name]
            return lambda x: map_floats(fn, *(a(x) for a in args))
        raise _NotVectorizable


def _numeric(a: Any) -> Any:
    import numpy as np

    return a.astype(float) if np.asarray(a).dtype == bool else a


def _truthy(a: Any) -> Any:
    import numpy as np

    a = np.asarray(a)
    return a if a.dtype == bool else a != 0


def _take(fn: Callable[[Any], Any], x: Any, where: Any) -> Any:
    return fn(x[where])


def map_floats(fn: Callable[..., Any], *columns: Any) -> Any:
    """Python's own ``fn`` on each element, as a float array: the exact floats (and the
    exceptions) one call at a time gives. Columns are numpy arrays (as floats) or plain
    sequences (as they are, e.g. ``range`` for an int argument)."""
    import numpy as np

    lists = [np.asarray(_numeric(col), dtype=float).tolist() if isinstance(col, np.ndarray) else col for col in columns]
    return np.fromiter(map(fn, *lists), dtype=float, count=len(lists[0]))
