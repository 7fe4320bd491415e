"""The closed expression language: lambdas compute exactly what the same Python lambda
computes, constants are folded without eval, and everything else is refused."""

from __future__ import annotations

import ast
import math
import re
import time

import pytest

from lrviz.errors import LrvizError
from lrviz.safe_expr import (
    MAX_DEPTH,
    MAX_LAMBDA_LENGTH,
    LambdaEvalError,
    LambdaExpr,
    SpecError,
    constant,
)
from lrviz.spec import parse

EPOCHS = range(51)

# The oracle: real Python, on the trusted literal strings below only.
ORACLE_NAMESPACE = {
    "__builtins__": {},
    "math": math,
    "pi": math.pi,
    "e": math.e,
    "tau": math.tau,
    "inf": math.inf,
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "pow": pow,
    **{name: getattr(math, name) for name in ("exp", "log", "log2", "log10", "sqrt", "sin", "cos", "tan", "tanh")},
    **{name: getattr(math, name) for name in ("atan", "floor", "ceil")},
}

HANG = 30.0
"""Seconds within which hostile input must be refused: a guard against hangs and
quadratic blow-ups on a loaded machine, not a speed claim (speed is shown in bench/)."""


def oracle(text: str):
    return eval(text, dict(ORACLE_NAMESPACE))  # noqa: S307 - trusted test literals only


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text.strip()
    assert "\n" not in text and "\r" not in text, f"not one line: {text!r}"
    return text


# body in the variable `epoch`
BODIES = [
    # arithmetic
    "0.95 ** epoch",
    "epoch * 2 + 1",
    "1 - epoch / 50",
    "(epoch - 25) * (epoch + 3) / 7",
    "-epoch + 3",
    "+epoch",
    "-epoch ** 2",
    "2 ** -epoch",
    "(epoch + 1) ** -0.5",
    "epoch ** 0.5",
    "0.1 ** (epoch // 10)",
    "epoch // 7",
    "-epoch // 7",
    "epoch // 2.5",
    "epoch % 7",
    "-epoch % 7",
    "epoch % 2.5",
    "(epoch % 10) / 10",
    "10 // 3 + 10 % 3",
    "2 ** 3 ** 2",
    "1 / 3 * epoch",
    # comparisons and conditionals
    "epoch < 10",
    "epoch <= 10",
    "epoch > 10",
    "epoch >= 10",
    "epoch == 10",
    "epoch != 10",
    "5 < epoch <= 30",
    "0 <= epoch < 10 < 20",
    "1.0 if epoch < 10 else 0.1",
    "0.1 if epoch >= 30 else (0.5 if epoch >= 10 else 1)",
    "1 if epoch % 2 else 0.5",
    "epoch < 10 and 1 or 0.1",
    "epoch and 1 / epoch",
    "epoch > 5 and epoch < 20",
    "epoch < 5 or epoch > 20",
    "not epoch",
    "not epoch % 3",
    "(epoch < 25) * 0.5 + 0.5",
    # functions and constants
    "0.5 * (1 + cos(pi * epoch / 50))",
    "math.cos(math.pi * epoch / 50)",
    "0.5 * (1 + math.cos(math.pi * min(epoch, 40) / 40))",
    "exp(-0.1 * epoch)",
    "math.exp(-epoch / 10)",
    "log(epoch + 1)",
    "math.log(epoch + 1)",
    "log(epoch + 1, 2)",
    "log2(epoch + 1)",
    "log10(epoch + 1)",
    "sqrt(epoch)",
    "math.sqrt(epoch + 1)",
    "min(1.0, (epoch + 1) / 10)",
    "max(0.01, 1 - epoch / 40)",
    "min(epoch, 10, 7)",
    "max(1, epoch / 3, 2)",
    "min(1.0, epoch / 10) * max(0.1, 0.97 ** epoch)",
    "floor(epoch / 10)",
    "math.floor(epoch / 10)",
    "ceil(epoch / 10)",
    "abs(25 - epoch) / 25",
    "round(epoch / 3)",
    "round(epoch * 0.15)",
    "pow(0.9, epoch)",
    "math.pow(0.9, epoch)",
    "tanh(epoch / 10)",
    "atan(epoch)",
    "sin(epoch)",
    "tan(epoch / 100)",
    "pi * epoch",
    "e ** (-epoch / 10)",
    "math.e ** (-epoch / 10)",
    "tau / (epoch + 1)",
    "math.tau * 0 + epoch",
    "min(1, (epoch + 1) / 5) * 0.5 ** (epoch // 20)",
    "1 / (1 + exp(-(epoch - 25) / 5))",
]


def _check_against_oracle(fn: LambdaExpr, python_fn) -> None:
    for epoch in EPOCHS:
        expected = python_fn(epoch)
        got = fn(epoch)
        assert type(got) is float
        assert got == pytest.approx(float(expected), rel=1e-12, abs=1e-300), f"at epoch={epoch}"


@pytest.mark.parametrize("body", BODIES)
def test_lambda_matches_python(body):
    text = f"lambda epoch: {body}"
    _check_against_oracle(LambdaExpr.parse(text), oracle(text))


@pytest.mark.parametrize("body", BODIES)
def test_lambda_in_a_spec_matches_python(body):
    text = f"lambda epoch: {body}"
    spec = parse(f"LambdaLR(optimizer, lr_lambda={text})")
    fn = spec.args["lr_lambda"]
    assert isinstance(fn, LambdaExpr)
    _check_against_oracle(fn, oracle(text))


@pytest.mark.parametrize("body", BODIES)
def test_bare_expression_matches_python(body):
    # the CLI form: the body alone, its one free name is the variable
    fn = LambdaExpr.parse(body)
    assert fn.var == "epoch"
    assert fn.text == ast.unparse(ast.parse(f"lambda epoch: {body}", mode="eval").body)
    assert LambdaExpr.parse(fn.text) == fn
    _check_against_oracle(fn, oracle(f"lambda epoch: {body}"))


@pytest.mark.parametrize("var", ["e", "x", "t", "step", "pi", "epoch_"])
def test_the_variable_may_have_any_name_and_shadows_constants(var):
    text = f"lambda {var}: 0.5 * {var} + 1"
    _check_against_oracle(LambdaExpr.parse(text), oracle(text))


@pytest.mark.parametrize("body", ["round(0.97 ** epoch, 3)", "round(epoch / 7, 1)", "round(epoch * 10, -1)"])
def test_round_with_digits_matches_python(body):
    # round is offered to lambdas, and round(x, n) is how it is usually written
    text = f"lambda epoch: {body}"
    _check_against_oracle(LambdaExpr.parse(text), oracle(text))


def test_text_and_repr():
    fn = LambdaExpr.parse("lambda   epoch:   0.95  **   epoch")
    assert fn.var == "epoch"
    assert fn.text == "lambda epoch: 0.95 ** epoch"
    assert repr(fn) == fn.text
    assert fn(2) == pytest.approx(0.95**2)
    fn = LambdaExpr.parse("lambda epoch: (0.95\n    ** epoch)")
    assert "\n" not in fn.text
    assert fn(2) == pytest.approx(0.95**2)


def test_accepts_ints_and_floats():
    fn = LambdaExpr.parse("lambda e: e / 2")
    assert fn(3) == 1.5
    assert fn(3.0) == 1.5
    assert type(fn(4)) is float


# --------------------------------------------------------------------------------------
# Constants (values of spec arguments)


@pytest.mark.parametrize(
    "text",
    [
        "17000*6",
        "1/3",
        "-3",
        "+3",
        "-(-3)",
        "2**10",
        "2**-2",
        "(-2)**3",
        "7//2",
        "-7//2",
        "7.5//2",
        "7%3",
        "-7%3",
        "7.5%2",
        "1e-3",
        "-1E3",
        "0.1 + 0.2",
        "1 - 1/64",
        "0x10",
        "1_000",
        "True",
        "False",
        "None",
        "'abc'",
        '"triangular2"',
        "[1, 2.5, -3]",
        "[[1, 2], [3]]",
        "[]",
        "pi",
        "math.pi",
        "e",
        "math.e",
        "tau",
        "-inf",
        "2 * pi / 3",
    ],
)
def test_constant_matches_python(text):
    node = ast.parse(text, mode="eval").body
    value = constant(node, text)
    expected = oracle(text)
    assert value == expected
    assert type(value) is type(expected)


def test_constant_tuples_become_lists():
    text = "(1, 2.0, 'a')"
    assert constant(ast.parse(text, mode="eval").body, text) == [1, 2.0, "a"]


def test_constant_nan():
    value = constant(ast.parse("nan", mode="eval").body, "nan")
    assert isinstance(value, float) and math.isnan(value)


@pytest.mark.parametrize(
    "text, phrase, where",
    [
        ("foo", "unknown name 'foo'", "foo"),
        ("1 + x", "unknown name 'x'", "x"),
        ("math.sys", "attribute", "math.sys"),
        ("(1).real", "attribute", "(1).real"),
        ("[1][0]", "indexing", "[1][0]"),
        ("abs(-1)", "calls", "abs(-1)"),
        ("lambda: 1", "lambda", "lambda: 1"),
        ("{1: 2}", "dicts", "{1: 2}"),
        ("{1}", "sets", "{1}"),
        ("[i for i in [1]]", "comprehensions", "[i for i in [1]]"),
        ("f'{1}'", "f-strings", "f'{1}'"),
        ("(y := 1)", "':='", "y := 1"),
        ("1 if True else 2", "not allowed", "1 if True else 2"),
        ("1 < 2", "not allowed", "1 < 2"),
        ("not 1", "not allowed", "not 1"),
        ("1 << 2", "not allowed", "1 << 2"),
        ("1 / 0", "cannot compute", "1 / 0"),
        ("1 % 0", "cannot compute", "1 % 0"),
        ("9 ** 9 ** 9", "cannot compute", "9 ** 9 ** 9"),
        ("10.0 ** 400", "cannot compute", "10.0 ** 400"),
        ("'a' * 3", "numbers", "'a' * 3"),
        ("[1] + [2]", "numbers", "[1] + [2]"),
        ("-'a'", "sign", "-'a'"),
        ("b'x'", "bytes", "b'x'"),
        ("...", "not allowed", "..."),
        ("-" * (MAX_DEPTH + 5) + "1", "nested too deeply", None),
    ],
)
def test_constant_rejections(text, phrase, where):
    node = ast.parse(text, mode="eval").body
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        constant(node, text)
    assert time.perf_counter() - start < HANG  # refused at once, not after a blow-up (no speed claim)
    message = one_line(info.value)
    assert phrase in message
    match = re.search(r"at column (\d+)", message)
    assert match, message
    if where is not None:
        assert int(match.group(1)) == text.index(where) + 1


# --------------------------------------------------------------------------------------
# Lambda errors


@pytest.mark.parametrize(
    "text, phrases, where",
    [
        ("lambda e: foo(e)", ["'foo'", "not an allowed function"], "foo(e)"),
        ("lambda e: math.foo(e)", ["'math.foo'", "not an allowed function"], "math.foo(e)"),
        ("lambda e: open('x')", ["'open'", "not an allowed function"], "open('x')"),
        ("lambda e: __import__('os')", ["'__import__'", "not an allowed function"], "__import__('os')"),
        ("lambda e: (lambda: 1)()", ["not an allowed function"], "(lambda: 1)()"),
        ("lambda e: x", ["unknown name 'x'", "'e'"], "x"),
        ("lambda e: epoch * 2", ["unknown name 'epoch'"], "epoch"),
        ("lambda a, b: a", ["exactly one argument"], 1),
        ("lambda: 1", ["exactly one argument"], 1),
        ("lambda e=1: e", ["exactly one argument"], 1),
        ("lambda *a: 1", ["exactly one argument"], 1),
        ("lambda **k: 1", ["exactly one argument"], 1),
        ("lambda e, /: e", ["exactly one argument"], 1),
        ("lambda *, e: e", ["exactly one argument"], 1),
        ("lambda e: e.real", ["attribute"], "e.real"),
        ("lambda e: e.__class__", ["attribute"], "e.__class__"),
        ("lambda e: math.__dict__", ["attribute"], "math.__dict__"),
        ("lambda e: [e][0]", ["not allowed"], "[e][0]"),
        ("lambda e: [x for x in [e]]", ["comprehensions"], "[x for x in [e]]"),
        ("lambda e: f'{e}'", ["f-strings"], "f'{e}'"),
        ("lambda e: (y := e)", ["':='"], "y := e"),
        ("lambda e: lambda x: x", ["lambda"], "lambda x: x"),
        ("lambda e: 'a'", ["numbers only"], "'a'"),
        ("lambda e: None", ["numbers only"], "None"),
        ("lambda e: 1j", ["numbers only"], "1j"),
        ("lambda e: e in [1]", ["not allowed"], "e in [1]"),
        ("lambda e: e is 1", ["not allowed"], "e is 1"),
        ("lambda e: ~e", ["not allowed"], "~e"),
        ("lambda e: e << 1", ["not allowed"], "e << 1"),
        ("lambda e: cos(x=e)", ["positional"], "cos(x=e)"),
        ("lambda e: max(*[e])", ["not allowed"], "*[e]"),
        ("lambda e: " + "-" * (MAX_DEPTH + 5) + "e", ["nested too deeply"], None),
    ],
)
def test_lambda_rejections(text, phrases, where):
    for make in (LambdaExpr.parse, lambda t: parse(f"LambdaLR(lr_lambda={t})").args["lr_lambda"]):
        with pytest.raises(LrvizError) as info:
            make(text)
        message = one_line(info.value)
        for phrase in phrases:
            assert phrase in message, f"{phrase!r} not in {message!r}"
    # columns are those of the lambda's own text
    with pytest.raises(SpecError) as info:
        LambdaExpr.parse(text)
    match = re.search(r"at column (\d+)", str(info.value))
    assert match, str(info.value)
    if where is not None:
        expected = where if isinstance(where, int) else text.index(where) + 1
        assert int(match.group(1)) == expected


def test_lambda_column_is_that_of_the_whole_spec():
    text = "LambdaLR(optimizer, lr_lambda=lambda e: foo(e))"
    with pytest.raises(SpecError) as info:
        parse(text)
    assert f"at column {text.index('foo(e)') + 1}" in str(info.value)


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("x + y", "one variable"),
        ("epoch * step", "one variable"),
        ("0.95 **", "not a valid expression"),
        ("cos(", "not a valid expression"),
        ("lambda e: e if e else", "not a valid expression"),
        ("", "not a valid expression"),
    ],
)
def test_bare_expression_rejections(text, phrase):
    with pytest.raises(LrvizError) as info:
        LambdaExpr.parse(text)
    message = one_line(info.value)
    assert phrase in message
    match = re.search(r"at column (\d+)", message)
    if match:  # columns count from 1, as everywhere else
        assert 1 <= int(match.group(1)) <= len(text) + 1, message


def test_length_limit():
    base = "lambda e: e"
    exact = base + " " * (MAX_LAMBDA_LENGTH - len(base) - 2) + "+1"
    assert len(exact) == MAX_LAMBDA_LENGTH
    assert LambdaExpr.parse(exact)(2) == 3.0
    assert parse(f"LambdaLR(lr_lambda={exact})").args["lr_lambda"](2) == 3.0
    too_long = exact[:-2] + " +1"
    for make in (
        LambdaExpr.parse,
        lambda t: parse(f"LambdaLR(lr_lambda={t})"),
        lambda t: parse(f"LambdaLR(lr_lambda='{t}')"),
    ):
        with pytest.raises(LrvizError) as info:
            make(too_long)
        message = one_line(info.value)
        assert str(MAX_LAMBDA_LENGTH) in message


# --------------------------------------------------------------------------------------
# Evaluation errors


@pytest.mark.parametrize(
    "text, epoch",
    [
        ("lambda e: 1/(e-3)", 3),
        ("lambda e: 1 // (e - 3)", 3),
        ("lambda e: e % (e - 3)", 3),
        ("lambda e: log(-1)", 0),
        ("lambda e: log(e)", 0),
        ("lambda e: sqrt(e - 5)", 3),
        ("lambda e: math.sqrt(-e - 1)", 0),
        ("lambda e: (-8) ** (1 / 3)", 0),
        ("lambda e: 0 ** -1", 0),
        ("lambda e: exp(1000 + e)", 0),
        ("lambda e: 9**9**9", 0),
        ("lambda e: e ** 9 ** 9 ** 9", 2),
        ("lambda e: 10.0 ** 400", 1),
        ("lambda e: floor(inf)", 0),
        ("lambda e: ceil(nan)", 0),
        ("lambda e: round(inf)", 0),
        ("lambda e: max()", 0),
        ("lambda e: min(e)", 1),
        ("lambda e: cos()", 1),
        ("lambda e: sqrt(e, e)", 1),
    ],
)
def test_failing_evaluation_raises_a_one_line_lrviz_error(text, epoch):
    fn = LambdaExpr.parse(text)
    start = time.perf_counter()
    with pytest.raises(LambdaEvalError) as info:
        fn(epoch)
    assert time.perf_counter() - start < HANG  # refused at once, not after a blow-up (no speed claim)
    assert isinstance(info.value, LrvizError)
    message = one_line(info.value)
    assert fn.text in message
    assert f"{fn.var}={epoch}" in message
    # the same lambda is fine elsewhere, or fails the same way: it is not left broken
    with pytest.raises(LambdaEvalError):
        fn(epoch)


def test_evaluation_error_only_where_it_fails():
    fn = LambdaExpr.parse("lambda e: 1/(e-3)")
    for epoch in EPOCHS:
        if epoch == 3:
            with pytest.raises(LambdaEvalError):
                fn(epoch)
        else:
            assert fn(epoch) == pytest.approx(1 / (epoch - 3))


def test_huge_power_fails_fast():
    fn = parse("LambdaLR(lr_lambda=lambda e: 9**9**9)").args["lr_lambda"]
    start = time.perf_counter()
    with pytest.raises(LrvizError):
        fn(0)
    assert time.perf_counter() - start < HANG  # refused at once, not after a blow-up (no speed claim)


def test_spec_error_format():
    source = "StepLR(step_size='a')"
    node = ast.parse(source, mode="eval").body.keywords[0].value
    err = SpecError("step_size must be an integer", source, node, "try 30")
    assert isinstance(err, LrvizError)
    assert str(err) == "at column 18 (''a''): step_size must be an integer; try 30"
    assert SpecError("no place").one_line() == "no place"
    long_source = "StepLR(step_size=" + "1 + " * 30 + "1)"
    long_node = ast.parse(long_source, mode="eval").body.keywords[0].value
    message = str(SpecError("too long", long_source, long_node))
    assert "..." in message and "\n" not in message
