"""Table tests of the expression language against expr-lang v1.17's documented behaviour."""

from __future__ import annotations

import math
from typing import Any

import pytest

from rollouts.expr import ExprError, ExprRuntimeError, compile_expr


def run(source: str, **env: Any) -> Any:
    return compile_expr(source).run(env)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # literals
        ("42", 42),
        ("1_000", 1000),
        ("0x1F", 31),
        ("0o17", 15),
        ("0b101", 5),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ('"a\\tb\\n"', "a\tb\n"),
        ("'single \\'q\\''", "single 'q'"),
        ('"\\u00e9\\x41\\101"', "éAA"),
        ("`raw \\n`", "raw \\n"),
        ("true", True),
        ("nil", None),
        ("[1, 'a', nil,]", [1, "a", None]),
        ("{a: 1, 'b': 2, (\"c\" + \"d\"): 3}", {"a": 1, "b": 2, "cd": 3}),
        # arithmetic: ints stay ints, / and ** are floats, % truncates like Go
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3.5),
        ("4 / 2", 2.0),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("7 % -3", 1),
        ("2 ** 10", 1024.0),
        ("2 ^ 3 ^ 2", 512.0),
        ("-2 ** 2", -4.0),
        ("1 + 0.5", 1.5),
        ("1 / 0", math.inf),
        ("-1 / 0", -math.inf),
        ("9223372036854775807 + 1", -9223372036854775808),
        ("- -3", 3),
        # strings
        ('"foo" + "bar"', "foobar"),
        ('"abc" contains "b"', True),
        ('"abc" startsWith "ab"', True),
        ('"abc" endsWith "bc"', True),
        ('"abc" matches "^a.c$"', True),
        ('"abc" not matches "x"', True),
        ('"a" < "b"', True),
        ('"abc"[1]', "b"),
        ('"abcdef"[1:3]', "bc"),
        # comparison and equality across kinds
        ("1 == 1.0", True),
        ("1 < 1.5", True),
        ("2 >= 2", True),
        ('1 == "1"', False),
        ("nil == nil", True),
        ("nil == 0", False),
        ("[1, 2] == [1, 2]", True),
        ("{a: 1} == {a: 1.0}", True),
        ("true == 1", False),
        # logic, with short circuits and word forms
        ("true && false", False),
        ("true and not false", True),
        ("false || true", True),
        ("false or false", False),
        ("!true", False),
        ("false && (1 < 'x')", False),
        ("true || (1 < 'x')", True),
        ("not true == false", True),
        ("1 < 2 == true", True),
        # membership and ranges
        ("2 in [1, 2, 3]", True),
        ("2.0 in [1, 2, 3]", True),
        ("4 not in [1, 2, 3]", True),
        ("'a' in {a: 1}", True),
        ("1 in nil", False),
        ("1..3", [1, 2, 3]),
        ("3..1", []),
        ("len(1..100)", 100),
        # ternary, ?? and ?:
        ("true ? 1 : 2", 1),
        ("false ? 1 : true ? 2 : 3", 2),
        ("nil ?? 5", 5),
        ("0 ?? 5", 0),
        ("0 ?: 5", 5),
        # access
        ("[1, 2, 3][0]", 1),
        ("[1, 2, 3][-1]", 3),
        ("[1, 2, 3][1:]", [2, 3]),
        ("[1, 2, 3][:2]", [1, 2]),
        ("[1, 2, 3][-2:]", [2, 3]),
        ("[1, 2, 3][1:100]", [2, 3]),
        ("[1, 2, 3][:]", [1, 2, 3]),
        ("{a: {b: 5}}.a.b", 5),
        ("{a: {b: 5}}['a']['b']", 5),
        ("{a: 1}.missing", None),
        ("{a: nil}.a?.b", None),
        ("{a: nil}?.a?.b.c", None),
        ("{a: nil}.a?.b ?? 7", 7),
        # let, pipes
        ("let x = 2; let y = x * 3; x + y", 8),
        ("[1, 2, 3] | len()", 3),
        ("'a,b' | split(',') | join('-')", "a-b"),
        # predicates with #, closures, .field shorthand, #index, #acc
        ("all([1, 2], {# < 3})", True),
        ("all([1, 2], # < 2)", False),
        ("all([], # > 0)", True),
        ("any([1, 2], # > 1)", True),
        ("none([1, 2], # > 5)", True),
        ("one([1, 2, 3], # > 2)", True),
        ("filter(1..6, # % 2 == 0)", [2, 4, 6]),
        ("map([1, 2], # * 10)", [10, 20]),
        ("map([1, 2], #index)", [0, 1]),
        ("count([1, 2, 3], # > 1)", 2),
        ("count([true, false, true])", 2),
        ("sum([1, 2, 3])", 6),
        ("sum([1, 2.5])", 3.5),
        ("sum([{v: 1}, {v: 2}], .v)", 3),
        ("find([1, 2, 3], # > 1)", 2),
        ("find([1], # > 5)", None),
        ("findIndex([1, 2, 3], # > 1)", 1),
        ("findLast([1, 2, 3], # > 1)", 3),
        ("findLastIndex([1, 2, 3], # > 5)", -1),
        ("reduce(1..4, #acc + #)", 10),
        ("reduce(1..4, #acc + #, 10)", 20),
        ("groupBy([1, 2, 3], # % 2 == 0)", {False: [1, 3], True: [2]}),
        ("sortBy([{n: 2}, {n: 1}], .n)[0].n", 1),
        ("filter([{ok: true}, {ok: false}], .ok) | len()", 1),
        ("all([[1, 2], [3]], all(#, # > 0))", True),
        # builtins
        ("len('héllo')", 5),
        ("len({a: 1})", 1),
        ("abs(-3)", 3),
        ("abs(-2.5)", 2.5),
        ("ceil(1.2)", 2.0),
        ("floor(-1.2)", -2.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("max(1, 5, 3)", 5),
        ("min([4, 2.5, 3])", 2.5),
        ("mean([1, 2, 3, 4])", 2.5),
        ("median([3, 1, 2])", 2.0),
        ("int(2.9)", 2),
        ("int('12')", 12),
        ("float('1.5')", 1.5),
        ("float(2)", 2.0),
        ("string(1.0)", "1"),
        ("string(1e21)", "1e+21"),
        ("string(0.000012)", "1.2e-05"),
        ("string(true)", "true"),
        ("string([1, 'a'])", "[1 a]"),
        ("trim('  x ')", "x"),
        ("trim('xxaxx', 'x')", "a"),
        ("trimPrefix('foobar', 'foo')", "bar"),
        ("trimSuffix('foobar', 'bar')", "foo"),
        ("upper('ab')", "AB"),
        ("lower('AB')", "ab"),
        ("split('a,b,c', ',')", ["a", "b", "c"]),
        ("split('a,b,c', ',', 2)", ["a", "b,c"]),
        ("replace('aaa', 'a', 'b')", "bbb"),
        ("repeat('ab', 3)", "ababab"),
        ("indexOf('abcb', 'b')", 1),
        ("lastIndexOf('abcb', 'b')", 3),
        ("hasPrefix('abc', 'a')", True),
        ("hasSuffix('abc', 'c')", True),
        ("first([7, 8])", 7),
        ("first([])", None),
        ("last([7, 8])", 8),
        ("get([1, 2], 5)", None),
        ("get({a: 1}, 'a')", 1),
        ("take([1, 2, 3], 2)", [1, 2]),
        ("keys({a: 1})", ["a"]),
        ("values({a: 1})", [1]),
        ("sort([3, 1, 2])", [1, 2, 3]),
        ("sort([3, 1, 2], 'desc')", [3, 2, 1]),
        ("reverse([1, 2])", [2, 1]),
        ("uniq([1, 1.0, 2])", [1, 2]),
        ("concat([1], [2, 3])", [1, 2, 3]),
        ("flatten([1, [2, [3]]])", [1, 2, 3]),
        ("join(['a', 'b'], '-')", "a-b"),
        ("type(1.5)", "float"),
        ("fromJSON('{\"a\": [1]}').a[0]", 1),
        ("toBase64('hi')", "aGk="),
        ("fromBase64('aGk=')", "hi"),
        # comments
        ("1 /* one */ + 2 // two", 3),
    ],
)
def test_documented_behaviour(source: str, expected: Any) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)


def test_nan_is_not_equal_to_itself() -> None:
    assert run("x == x", x=math.nan) is False
    assert math.isnan(run("0.0 / 0"))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("1 < 'a'", "invalid operation: < (mismatched types int and string)"),
        ("nil > 1", "invalid operation: > (mismatched types nil and int)"),
        ("1 && true", "invalid operation: and (mismatched types int and bool)"),
        ("!1", "invalid operation: ! (mismatched type int)"),
        ("1.5 % 2", "invalid operation: % (mismatched types float64 and int)"),
        ("1 % 0", "integer divide by zero"),
        ("[1, 2][5]", "index out of range: 5 (array length is 2)"),
        ("x.y", "cannot fetch y from <nil>"),
        ("missing", "unknown name missing"),
        ("nothing(1)", "unknown func nothing"),
        ("len(1)", "invalid argument for len (type int)"),
        ("'x' in 'xyz'", "operator in not defined on string"),
        ("1 ? 2 : 3", "non-bool expression (type int) used as condition"),
        ("all([1], # + 1)", "predicate of all should return bool, got int"),
        ("int('x')", 'strconv.Atoi: parsing "x": invalid syntax'),
        ("'a' matches '('", "error parsing regexp"),
    ],
)
def test_runtime_errors_are_expr_errors_with_position(source: str, message: str) -> None:
    with pytest.raises(ExprRuntimeError) as caught:
        run(source, x=None)
    assert caught.value.message.startswith(message)
    assert caught.value.position is not None
    assert "(1:" in str(caught.value)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("1 +", "unexpected token EOF", 4),
        ("(1 + 2", "unexpected token EOF", 7),
        ("1 + )", 'unexpected token Bracket(")")', 5),
        ("result[0] >= ", "unexpected token EOF", 14),
        ('"abc', "literal not terminated", 1),
        ("1 @ 2", "unrecognized character: U+0040 '@'", 3),
        ("# > 1", "cannot use pointer accessor outside predicate", 1),
        ("a ? b", "unexpected token EOF", 6),
        ("'\\q'", "invalid char escape", 2),
        ("12abc", "bad number syntax", 1),
        ("x.foo()", "method calls are not supported (foo)", 3),
        ("[1, 2", "unexpected token EOF", 6),
        ("{a 1}", 'unexpected token Number("1")', 4),
        ("1 2", 'unexpected token Number("2")', 3),
    ],
)
def test_syntax_errors_report_the_position(source: str, message: str, column: int) -> None:
    with pytest.raises(ExprError) as caught:
        compile_expr(source)
    assert caught.value.message == message or caught.value.message.startswith(message)
    assert caught.value.line_column == (1, column - 1)
    assert f"(1:{column})" in str(caught.value)


def test_multiline_position_counts_lines() -> None:
    with pytest.raises(ExprError) as caught:
        compile_expr("1 +\n  * 2")
    assert caught.value.line_column == (2, 2)


def test_compiled_programs_are_cached_per_text() -> None:
    assert compile_expr("1 + 41") is compile_expr("1 + 41")
