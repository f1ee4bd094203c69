"""Tokenizer for the expr-lang syntax used by analysis conditions.

Numbers follow Go/expr literals (``1_000``, ``0x1F``, ``0o17``, ``0b101``, ``1.5e3``); a number
never swallows the first dot of a range (``1..3``). Strings use double or single quotes with Go
escapes, or backquotes for raw strings. Word operators (``and``, ``not``, ``in``, ``matches``…)
come out as operators so the parser has one token kind to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rollouts.expr.errors import ExprSyntaxError


class Kind(Enum):
    NUMBER = "Number"
    STRING = "String"
    IDENT = "Identifier"
    OPERATOR = "Operator"
    BRACKET = "Bracket"
    EOF = "EOF"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str
    pos: int
    #: The decoded literal for NUMBER (int | float) and STRING tokens.
    literal: object = None

    def is_(self, kind: Kind, value: str | None = None) -> bool:
        return self.kind is kind and (value is None or self.value == value)

    def describe(self) -> str:
        if self.kind is Kind.EOF:
            return "EOF"
        return f'{self.kind.value}("{self.value}")'


WORD_OPERATORS = frozenset(
    {"and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith", "let"}
)
# Longest first, so that "**" wins over "*" and "?." over "?".
_SYMBOLS = (
    "==", "!=", "<=", ">=", "&&", "||", "**", "..", "??", "?.",
    "!", "<", ">", "+", "-", "*", "/", "%", "^", "|", ".", ",", "?", ":", "#", ";", "=",
)
_BRACKETS = "()[]{}"
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"',
}
#: Longest source we accept; conditions are one-liners, this only stops abuse.
MAX_SOURCE_LENGTH = 64 * 1024


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExprSyntaxError(f"expression longer than {MAX_SOURCE_LENGTH} characters", source=source)
    return _Lexer(source).run()


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.tokens: list[Token] = []

    def error(self, message: str, pos: int) -> ExprSyntaxError:
        return ExprSyntaxError(message, source=self.src, position=pos)

    def run(self) -> list[Token]:
        src = self.src
        while self.i < len(src):
            ch = src[self.i]
            if ch.isspace():
                self.i += 1
            elif src.startswith("//", self.i):
                end = src.find("\n", self.i)
                self.i = len(src) if end < 0 else end
            elif src.startswith("/*", self.i):
                end = src.find("*/", self.i + 2)
                if end < 0:
                    raise self.error("unclosed comment", self.i)
                self.i = end + 2
            elif ch.isdigit():  # ".5" is not a number in expr: a leading dot is member access
                self._number()
            elif ch in "\"'":
                self._quoted(ch)
            elif ch == "`":
                self._raw()
            elif ch.isalpha() or ch in "_$":
                self._word()
            elif ch in _BRACKETS:
                self.tokens.append(Token(Kind.BRACKET, ch, self.i))
                self.i += 1
            else:
                self._symbol()
        self.tokens.append(Token(Kind.EOF, "", len(src)))
        return self.tokens

    def _peek(self, ahead: int) -> str:
        j = self.i + ahead
        return self.src[j] if j < len(self.src) else ""

    def _number(self) -> None:
        src, start = self.src, self.i
        j = start
        if src.startswith(("0x", "0X", "0o", "0O", "0b", "0B"), j):
            j += 2
            while j < len(src) and (src[j].isalnum() or src[j] == "_"):
                j += 1
            text = src[start:j]
            try:
                value: int | float = int(text.replace("_", ""), 0)
            except ValueError:
                raise self.error(f"invalid number literal {text!r}", start) from None
            self._emit_number(text, value, start, j)
            return
        while j < len(src) and (src[j].isdigit() or src[j] == "_"):
            j += 1
        is_float = False
        # "1..3" is a range: only take the dot when a digit follows it.
        if j < len(src) and src[j] == "." and j + 1 < len(src) and src[j + 1].isdigit():
            is_float = True
            j += 1
            while j < len(src) and (src[j].isdigit() or src[j] == "_"):
                j += 1
        if j < len(src) and src[j] in "eE":
            k = j + 1
            if k < len(src) and src[k] in "+-":
                k += 1
            if k < len(src) and src[k].isdigit():
                is_float = True
                j = k
                while j < len(src) and src[j].isdigit():
                    j += 1
        text = src[start:j]
        clean = text.replace("_", "")
        try:
            value = float(clean) if is_float else int(clean, 10)
        except ValueError:
            raise self.error(f"invalid number literal {text!r}", start) from None
        self._emit_number(text, value, start, j)

    def _emit_number(self, text: str, value: int | float, start: int, end: int) -> None:
        if end < len(self.src) and (self.src[end].isalpha() or self.src[end] == "_"):
            raise self.error(f"bad number syntax: {self.src[start:end + 1]!r}", start)
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise self.error(f"integer literal {text} overflows int64", start)
        self.tokens.append(Token(Kind.NUMBER, text, start, value))
        self.i = end

    def _quoted(self, quote: str) -> None:
        src, start = self.src, self.i
        j = start + 1
        out: list[str] = []
        while True:
            if j >= len(src) or src[j] == "\n":
                raise self.error("literal not terminated", start)
            ch = src[j]
            if ch == quote:
                j += 1
                break
            if ch != "\\":
                out.append(ch)
                j += 1
                continue
            esc = src[j + 1] if j + 1 < len(src) else "\n"  # a trailing backslash cannot escape
            if esc in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[esc])
                j += 2
            elif esc in ("x", "u", "U"):
                width = {"x": 2, "u": 4, "U": 8}[esc]
                digits = src[j + 2 : j + 2 + width]
                if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                    raise self.error("invalid char escape", j)
                code = int(digits, 16)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise self.error("escape sequence is invalid Unicode code point", j)
                out.append(chr(code))
                j += 2 + width
            elif esc.isdigit() and esc < "8":
                digits = src[j + 1 : j + 4]
                if len(digits) != 3 or any(c not in "01234567" for c in digits) or int(digits, 8) > 255:
                    raise self.error("invalid char escape", j)
                out.append(chr(int(digits, 8)))
                j += 4
            else:
                raise self.error("invalid char escape", j)
        self.tokens.append(Token(Kind.STRING, src[start:j], start, "".join(out)))
        self.i = j

    def _raw(self) -> None:
        end = self.src.find("`", self.i + 1)
        if end < 0:
            raise self.error("literal not terminated", self.i)
        text = self.src[self.i + 1 : end]
        self.tokens.append(Token(Kind.STRING, self.src[self.i : end + 1], self.i, text))
        self.i = end + 1

    def _word(self) -> None:
        src, start = self.src, self.i
        j = start
        while j < len(src) and (src[j].isalnum() or src[j] in "_$"):
            j += 1
        word = src[start:j]
        kind = Kind.OPERATOR if word in WORD_OPERATORS else Kind.IDENT
        self.tokens.append(Token(kind, word, start))
        self.i = j

    def _symbol(self) -> None:
        for symbol in _SYMBOLS:
            if self.src.startswith(symbol, self.i):
                if symbol == "?." and self._peek(2).isdigit():
                    continue  # "a?.5:b" is a ternary with a float, not optional chaining
                self.tokens.append(Token(Kind.OPERATOR, symbol, self.i))
                self.i += len(symbol)
                return
        char = self.src[self.i]
        raise self.error(f"unrecognized character: U+{ord(char):04X} '{char}'", self.i)
