"""A Pratt parser for expr-lang's grammar, producing :mod:`rollouts.expr.nodes`.

Binding powers are expr's (lowest first): ``|`` 0; ``or ||`` 10; ``and &&`` 15; comparisons,
``in``, ``matches``, ``contains``, ``startsWith``, ``endsWith`` 20; ``..`` 25; ``+ -`` 30;
``* / %`` 60; ``** ^`` 100 (right-associative); ``??`` 500. Unary ``not !`` bind at 50 (so
``not a == b`` is ``(not a) == b``, as in expr) and unary ``- +`` at 90. The ternary ``?:``
and ``let`` sit above them all. A predicate builtin's second argument is a closure, with or
without braces; inside it ``#`` is the element and ``.name`` is ``#.name``.
"""

from __future__ import annotations

from rollouts.expr import nodes as n
from rollouts.expr.errors import ExprSyntaxError
from rollouts.expr.lexer import Kind, Token, tokenize

_BINARY: dict[str, tuple[int, bool]] = {
    "|": (0, False),
    "or": (10, False), "||": (10, False),
    "and": (15, False), "&&": (15, False),
    "==": (20, False), "!=": (20, False), "<": (20, False), ">": (20, False),
    "<=": (20, False), ">=": (20, False), "in": (20, False), "matches": (20, False),
    "contains": (20, False), "startsWith": (20, False), "endsWith": (20, False),
    "..": (25, False),
    "+": (30, False), "-": (30, False),
    "*": (60, False), "/": (60, False), "%": (60, False),
    "**": (100, True), "^": (100, True),
    "??": (500, False),
}
_NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})
_UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
_CANONICAL = {"||": "or", "&&": "and", "^": "**", "!": "not"}

#: Builtins whose second argument is a predicate closure.
PREDICATE_BUILTINS = frozenset(
    {"all", "none", "any", "one", "filter", "map", "count", "sum", "find", "findIndex",
     "findLast", "findLastIndex", "groupBy", "sortBy", "reduce"}
)
#: Nesting deeper than this is refused, so a hostile text cannot exhaust the Python stack.
MAX_DEPTH = 100


def parse(source: str) -> n.Node:
    parser = _Parser(source, tokenize(source))
    node = parser.sequence()
    parser.expect_eof()
    return node


class _Parser:
    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.closure_depth = 0

    # -- token helpers ---------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not Kind.EOF:
            self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None) -> ExprSyntaxError:
        tok = tok or self.tok
        return ExprSyntaxError(message, source=self.source, position=tok.pos)

    def unexpected(self) -> ExprSyntaxError:
        return self.error(f"unexpected token {self.tok.describe()}")

    def expect(self, kind: Kind, value: str) -> Token:
        if not self.tok.is_(kind, value):
            raise self.unexpected()
        return self.advance()

    def expect_eof(self) -> None:
        if self.tok.kind is not Kind.EOF:
            raise self.unexpected()

    # -- grammar ---------------------------------------------------------------------------
    def sequence(self) -> n.Node:
        """``let`` bindings, then one expression."""
        if self.tok.is_(Kind.OPERATOR, "let"):
            start = self.advance()
            name = self.tok
            if name.kind is not Kind.IDENT:
                raise self.unexpected()
            self.advance()
            self.expect(Kind.OPERATOR, "=")
            value = self.expression(0)
            self.expect(Kind.OPERATOR, ";")
            return n.Let(start.pos, name.value, value, self.sequence())
        return self.expression(0)

    def expression(self, min_power: int) -> n.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")
        try:
            left = self.unary()
            left = self.binary_tail(left, min_power)
            if min_power == 0 and self.tok.is_(Kind.OPERATOR, "?"):
                left = self.conditional(left)
            return left
        finally:
            self.depth -= 1

    def binary_tail(self, left: n.Node, min_power: int) -> n.Node:
        while self.tok.kind is Kind.OPERATOR:
            tok = self.tok
            op = tok.value
            negate = False
            if op == "not" and self.peek().kind is Kind.OPERATOR and self.peek().value in _NEGATABLE:
                negate = True
                op = self.peek().value
            if op not in _BINARY:
                break
            power, right_assoc = _BINARY[op]
            if power < min_power:
                break
            self.advance()
            if negate:
                self.advance()
            if op == "|":
                left = self.pipe(left, tok)
                continue
            right = self.expression(power if right_assoc else power + 1)
            node: n.Node = n.Binary(tok.pos, _CANONICAL.get(op, op), left, right)
            left = n.Unary(tok.pos, "not", node) if negate else node
        return left

    def conditional(self, cond: n.Node) -> n.Node:
        q = self.advance()
        if self.tok.is_(Kind.OPERATOR, ":"):  # the Elvis form "a ?: b"
            self.advance()
            return n.Binary(q.pos, "?:", cond, self.expression(0))
        then = self.expression(0)
        self.expect(Kind.OPERATOR, ":")
        return n.Conditional(q.pos, cond, then, self.expression(0))

    def pipe(self, left: n.Node, bar: Token) -> n.Node:
        name = self.tok
        if name.kind is not Kind.IDENT or not self.peek().is_(Kind.BRACKET, "("):
            raise self.error("the right side of a pipe must be a function call", name)
        self.advance()
        call = self.call(name)
        assert isinstance(call, n.Call)
        return n.Call(bar.pos, call.name, (left, *call.args))

    def unary(self) -> n.Node:
        tok = self.tok
        if tok.kind is Kind.OPERATOR and tok.value in _UNARY:
            self.advance()
            operand = self.expression(_UNARY[tok.value])
            return n.Unary(tok.pos, _CANONICAL.get(tok.value, tok.value), operand)
        return self.postfix(self.primary())

    def primary(self) -> n.Node:
        tok = self.tok
        if tok.kind is Kind.NUMBER or tok.kind is Kind.STRING:
            self.advance()
            return n.Literal(tok.pos, tok.literal)
        if tok.kind is Kind.IDENT:
            self.advance()
            if tok.value in ("true", "false"):
                return n.Literal(tok.pos, tok.value == "true")
            if tok.value == "nil":
                return n.Literal(tok.pos, None)
            if self.tok.is_(Kind.BRACKET, "("):
                return self.call(tok)
            return n.Ident(tok.pos, tok.value)
        if tok.is_(Kind.OPERATOR, "#"):
            self.advance()
            if self.closure_depth == 0:
                raise self.error("cannot use pointer accessor outside predicate", tok)
            if self.tok.kind is Kind.IDENT and self.tok.pos == tok.pos + 1:
                pointer = self.advance().value
                if pointer not in ("index", "acc"):
                    raise self.error(f"unknown pointer #{pointer}", tok)
                return n.Pointer(tok.pos, pointer)
            return n.Pointer(tok.pos, "")
        if tok.is_(Kind.OPERATOR, ".") and self.closure_depth > 0 and self.peek().kind is Kind.IDENT:
            self.advance()
            name = self.advance()
            return n.Member(tok.pos, n.Pointer(tok.pos, ""), n.Literal(name.pos, name.value), False)
        if tok.is_(Kind.BRACKET, "("):
            self.advance()
            inner = self.sequence()
            self.expect(Kind.BRACKET, ")")
            return inner
        if tok.is_(Kind.BRACKET, "["):
            return self.array()
        if tok.is_(Kind.BRACKET, "{"):
            return self.map()
        raise self.unexpected()

    def array(self) -> n.Node:
        start = self.advance()
        items: list[n.Node] = []
        while not self.tok.is_(Kind.BRACKET, "]"):
            items.append(self.expression(0))
            if not self.tok.is_(Kind.OPERATOR, ","):
                break
            self.advance()
        self.expect(Kind.BRACKET, "]")
        return n.ArrayLit(start.pos, tuple(items))

    def map(self) -> n.Node:
        start = self.advance()
        pairs: list[tuple[n.Node, n.Node]] = []
        while not self.tok.is_(Kind.BRACKET, "}"):
            key_tok = self.tok
            if key_tok.kind is Kind.IDENT or (key_tok.kind is Kind.OPERATOR and key_tok.value.isalpha()):
                self.advance()
                key: n.Node = n.Literal(key_tok.pos, key_tok.value)
            elif key_tok.kind in (Kind.STRING, Kind.NUMBER):
                self.advance()
                key = n.Literal(key_tok.pos, key_tok.literal)
            elif key_tok.is_(Kind.BRACKET, "("):
                self.advance()
                key = self.expression(0)
                self.expect(Kind.BRACKET, ")")
            else:
                raise self.error(f"a map key must be a quoted string, a number, an identifier, "
                                 f"or an expression enclosed in parentheses (unexpected token "
                                 f"{key_tok.describe()})")
            self.expect(Kind.OPERATOR, ":")
            pairs.append((key, self.expression(0)))
            if not self.tok.is_(Kind.OPERATOR, ","):
                break
            self.advance()
        self.expect(Kind.BRACKET, "}")
        return n.MapLit(start.pos, tuple(pairs))

    def call(self, name: Token) -> n.Node:
        self.expect(Kind.BRACKET, "(")
        args: list[n.Node] = []
        while not self.tok.is_(Kind.BRACKET, ")"):
            if len(args) == 1 and name.value in PREDICATE_BUILTINS:
                args.append(self.closure())
            else:
                args.append(self.expression(0))
            if not self.tok.is_(Kind.OPERATOR, ","):
                break
            self.advance()
        self.expect(Kind.BRACKET, ")")
        return n.Call(name.pos, name.value, tuple(args))

    def closure(self) -> n.Node:
        start = self.tok
        braced = start.is_(Kind.BRACKET, "{")
        if braced:
            self.advance()
        self.closure_depth += 1
        try:
            body = self.sequence()
        finally:
            self.closure_depth -= 1
        if braced:
            self.expect(Kind.BRACKET, "}")
        return n.Closure(start.pos, body)

    def postfix(self, node: n.Node) -> n.Node:
        optional_seen = False
        start = node.pos
        while True:
            tok = self.tok
            if tok.is_(Kind.OPERATOR, ".") or tok.is_(Kind.OPERATOR, "?."):
                optional = tok.value == "?."
                self.advance()
                if optional and self.tok.is_(Kind.BRACKET, "["):
                    node = self.index(node, optional=True)
                    optional_seen = True
                    continue
                name = self.tok
                if name.kind is Kind.IDENT or (name.kind is Kind.OPERATOR and name.value.isalpha()):
                    self.advance()
                else:
                    raise self.error(f"expected name after {tok.value}", name)
                if self.tok.is_(Kind.BRACKET, "("):
                    raise self.error(f"method calls are not supported ({name.value})", name)
                node = n.Member(name.pos, node, n.Literal(name.pos, name.value), optional)
                optional_seen = optional_seen or optional
            elif tok.is_(Kind.BRACKET, "["):
                node = self.index(node, optional=False)
            else:
                break
        return n.Chain(start, node) if optional_seen else node

    def index(self, obj: n.Node, *, optional: bool) -> n.Node:
        bracket = self.expect(Kind.BRACKET, "[")
        low: n.Node | None = None
        if not self.tok.is_(Kind.OPERATOR, ":"):
            low = self.expression(0)
            if self.tok.is_(Kind.BRACKET, "]"):
                self.advance()
                return n.Member(bracket.pos, obj, low, optional)
        self.expect(Kind.OPERATOR, ":")
        high = None if self.tok.is_(Kind.BRACKET, "]") else self.expression(0)
        self.expect(Kind.BRACKET, "]")
        return n.Slice(bracket.pos, obj, low, high)
