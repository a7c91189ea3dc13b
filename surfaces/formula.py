"""A surface typed as text: a safe parser for f(x, y) and `from_formula`.

The text is never evaluated.  A small tokenizer accepts only ASCII numbers, names, the
operators ``+ - * / ^ **``, parentheses and commas (so no string, attribute, subscript,
lambda or import can even be written), inserts the implicit products (``2x``,
``100(y - x^2)``, ``b(y - x^2)`` for a one-letter name, ``x y``, ``2 sin(x)``) and turns
``^`` into ``**``; `ast.parse` then reads the result as one Python expression, and a whitelist walk over its nodes builds the
SymPy expression node by node.  Every bound (length, nesting, node count, exponent size,
size of the gradient and Hessian) is checked before SymPy does any expensive work, and
every refusal is a `ParameterError` that names the column.

Lookalike Unicode is refused, deliberately: only ``−`` (minus sign), ``×`` and ``·`` are
read as ``-`` and ``*``; any other non-ASCII character (a fullwidth ``ｘ``, a Greek
omicron in ``cοs``) is reported with its code point, and the ASCII letter it imitates
when there is one, so what runs is always what the text visibly says.

Non-smooth points use a stated subgradient: ``abs(u)'`` = sign(u) with sign(0) = 0,
``max(u, v)`` and ``min`` take the average of the two sides' gradients on their crease
(Heaviside(0) = 1/2), and the point masses of second derivatives there are dropped (the
Hessian of ``abs`` is 0 at its kink).

>>> parse_formula("(1-x)^2 + 100(y-x^2)^2").expression
'(1 - x) ** 2 + 100 * (y - x ** 2) ** 2'
>>> parse_formula("a*x^2 + b y^2").parameters
('a', 'b')
>>> parse_formula("sin(x) + )")
Traceback (most recent call last):
...
surfaces.formula.FormulaError: formula must be an expression in x and y: unexpected ')' at column 10 (got 'sin(x) + )')
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from foundation.params import Param, ParameterError
from surfaces import syntax
from surfaces.core import FORMULA

if TYPE_CHECKING:
    import sympy

    from surfaces.core import Surface, SurfaceDef

MAX_LENGTH = 400  # characters of formula text
MAX_DEPTH = 24  # nested parentheses, and nested operations in the syntax tree
MAX_NODES = 160  # numbers, names, operations and calls
MAX_EXPONENT = 64  # |n| of a numeric exponent
MAX_LITERAL = 1e15  # a typed number's magnitude
MAX_CONSTANT = 1e300  # any number SymPy folds the formula's constants into
MAX_PARAMETERS = 6
MAX_NAME_LENGTH = 12
MAX_DERIVED_OPS = 4000  # SymPy operations in f, its gradient and Hessian together
MAX_FORMULAS = 64  # parsed formulas kept (each a few SymPy trees)
GRID_HINTS = 9  # starts per axis of the search for stationary points
NEWTON_ITERATIONS = 40  # vectorized Newton steps from every start before SciPy refines
# Kinks (abs, max, min) whose minimum no grid start hits: Nelder-Mead from the lowest grid
# points that are no higher than their grid neighbours.  Four starts of at most 400 steps
# each keep a slider change on such a formula within a few hundredths of a second.
KINK_STARTS = 4
KINK_ITERATIONS = 400
_KINKED = ("Abs(", "Max(", "Min(")  # in the SymPy srepr key
PARAMETER_DEFAULT = 1.0
PARAMETER_LIMIT = 1000.0  # |value| a formula parameter accepts
PARAMETER_UI_LIMIT = 10.0
DEFAULT_DOMAIN = ((-5.0, 5.0), (-5.0, 5.0))
MAX_DOMAIN = 1000.0  # |x|, |y| of a view box

VARIABLES = ("x", "y")
CONSTANTS = ("pi", "e")
# name -> (SymPy function name, number of arguments: an int, or (fewest, most))
FUNCTIONS: dict[str, tuple[str, Any]] = {
    "sin": ("sin", 1), "cos": ("cos", 1), "tan": ("tan", 1),
    "asin": ("asin", 1), "acos": ("acos", 1), "atan": ("atan", 1), "atan2": ("atan2", 2),
    "sinh": ("sinh", 1), "cosh": ("cosh", 1), "tanh": ("tanh", 1),
    "exp": ("exp", 1), "log": ("log", 1), "ln": ("log", 1), "log10": ("log10", 1),
    "log2": ("log2", 1), "sqrt": ("sqrt", 1), "abs": ("Abs", 1),
    "min": ("Min", (2, 4)), "max": ("Max", (2, 4)),
}  # fmt: skip
# Read as ASCII on purpose: the signs people paste from typeset text.
_PASTED = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*"}
# Names the generated code uses (`surfaces.derive`): a parameter may not shadow them.
_RESERVED = {"xy", "n", "k", "params", "f_out", "g_out", "numpy", "math", "njit"}

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),])",
    re.ASCII,  # no Unicode digits or spaces: what is read is what the text visibly says
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "function" or "op"
    text: str
    column: int  # 1-based, in the text as typed


@dataclass(frozen=True)
class ParsedFormula:
    """A checked formula: its text, SymPy expression, parameters and LaTeX."""

    text: str
    expression: str  # Python syntax, implicit products written out (for people)
    sympy_expression: sympy.Expr
    parameters: tuple[str, ...]  # free names other than x, y, in order of appearance
    latex: str

    @cached_property
    def key(self) -> str:
        """The exact, re-readable SymPy form the derivation path takes (`surfaces.derive`)."""
        import sympy

        return sympy.srepr(self.sympy_expression)


# Every refusal, by key: the English text here, every language's in the i18n catalogue
# (`formula.error.<key>`, checked equal to these by the tests).
PROBLEMS = {
    "too_long": "at most {limit} characters (this one has {length})",
    "character": "unexpected character {char} at column {column}",
    "lookalike": "unexpected character {char} ({code}, did you mean '{ascii}'?) at column {column}",
    "unicode": "unexpected character {char} ({code}) at column {column}",
    "underscore": "names may not start with '_' ('{name}' at column {column})",
    "word": "unexpected word '{name}' at column {column}",
    "long_name": "name '{name}' at column {column} is longer than {limit}",
    "nested": "more than {limit} nested parentheses at column {column}",
    "unexpected": "unexpected '{token}' at column {column}",
    "unclosed": "'(' at column {column} is never closed",
    "empty": "the formula is empty",
    "parentheses": "{name} at column {column} needs its argument in parentheses",
    "unknown_function": "unknown function '{name}' at column {column}"
    " (write {name}*(...) for a product)",
    "ends_early": "the formula ends too early (after '{token}' at column {column})",
    "too_many_nodes": "more than {limit} numbers, names and operations at column {column}",
    "too_deep": "operations nested more than {limit} deep at column {column}",
    "big_number": "numbers must be at most {limit} at column {column}",
    "constant": "a constant that is not a finite real number at column {column}",
    "division_by_zero": "division by zero at column {column}",
    "operator": "unexpected operator '{operator}' at column {column}",
    "syntax": "unexpected {what} at column {column}",
    "reserved": "'{name}' is reserved at column {column}",
    "sympy_name": "'{name}' is reserved (a SymPy name)",
    "parameters": "more than {limit} parameters ('{name}' at column {column})",
    "tower": "a power inside an exponent (a tower) at column {column}",
    "big_exponent": "exponents must be at most {limit} at column {column}",
    "keywords": "{name} takes plain arguments at column {column}",
    "arity_one": "{name} takes one argument at column {column}",
    "arity": "{name} takes {count} arguments at column {column}",
    "arity_range": "{name} takes {fewest} to {most} arguments at column {column}",
    "not_real": "the formula is not a finite real number (complex, 1/0 or 0/0)",
    "derived_size": "its gradient and Hessian have {size} operations (at most {limit})",
}


class FormulaError(ParameterError):
    """A refused formula: `problem` (a key of `PROBLEMS`) and `details` say why and where,
    so that the app can say it in the reader's language."""

    def __init__(self, text: str, problem: str, **details: Any) -> None:
        self.problem, self.details = problem, details
        self.column = details.get("column")
        shown = text if len(text) <= 60 else text[:57] + "..."
        super().__init__("formula", shown, "an expression in x and y: " + self.reason)

    @property
    def reason(self) -> str:
        return PROBLEMS[self.problem].format(**self.details)


def _fail(text: str, problem: str, **details: Any) -> FormulaError:
    return FormulaError(text, problem, **details)


def _character_error(text: str, char: str, column: int) -> FormulaError:
    """An unexpected character, with its code point and the ASCII it imitates, if any."""
    if char.isascii():
        return _fail(text, "character", char=repr(char), column=column)
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}" + (f" {name}" if name else "")
    ascii_form = unicodedata.normalize("NFKC", char)
    if not ascii_form.isascii() and name:  # Greek omicron, Cyrillic a: the letter they imitate
        ascii_form = {"OMICRON": "o", "ALPHA": "a", "EPSILON": "e", "IE": "e", "O": "o"}.get(
            name.split()[-1], ""
        )
        ascii_form = ascii_form.upper() if "CAPITAL" in name else ascii_form
    if ascii_form and ascii_form.isascii() and ascii_form.isprintable():
        return _fail(
            text, "lookalike", char=f"'{char}'", code=code, ascii=ascii_form, column=column
        )
    return _fail(text, "unicode", char=f"'{char}'", code=code, column=column)


def tokenize(text: str) -> list[Token]:
    """The formula's tokens, or `ParameterError` at the first character that cannot start one."""
    if not isinstance(text, str):
        raise ParameterError("formula", type(text).__name__, "text")
    if len(text) > MAX_LENGTH:
        raise _fail(text, "too_long", limit=MAX_LENGTH, length=len(text))
    text = "".join(_PASTED.get(c, c) for c in text)
    tokens: list[Token] = []
    opened: list[int] = []  # columns of the parentheses still open
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        column = position + 1
        if match is None or not text[position].isascii():
            raise _character_error(text, text[position], column)
        kind, value = match.lastgroup, match.group()
        position = match.end()
        if kind == "space":
            continue
        if kind == "name":
            _check_name(text, value, column)
            if value in FUNCTIONS:
                kind = "function"
        if value == "(":
            opened.append(column)
            if len(opened) > MAX_DEPTH:
                raise _fail(text, "nested", limit=MAX_DEPTH, column=column)
        elif value == ")":
            if not opened:
                raise _fail(text, "unexpected", token=")", column=column)
            opened.pop()
        tokens.append(Token(kind, "**" if value == "^" else value, column))
    if opened:
        raise _fail(text, "unclosed", column=opened[-1])
    if not tokens:
        raise _fail(text, "empty")
    return tokens


def _check_name(text: str, name: str, column: int) -> None:
    if name.startswith("_"):
        raise _fail(text, "underscore", name=name, column=column)
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise _fail(text, "word", name=name, column=column)
    if len(name) > MAX_NAME_LENGTH:
        raise _fail(text, "long_name", name=name, column=column, limit=MAX_NAME_LENGTH)


def python_text(tokens: list[Token], text: str) -> tuple[str, list[tuple[int, int]]]:
    """The tokens as Python, with implicit products written out, and for each token its
    (offset in the Python text, column as typed)."""
    parts: list[str] = []
    positions: list[tuple[int, int]] = []
    offset = 0
    previous: Token | None = None
    for token in tokens:
        if previous is not None and _implicit_product(previous, token):
            parts.append("*")
            offset += 1
        if parts:  # "2 3" stays two numbers (a mistake Python reports), never 23
            parts.append(" ")
            offset += 1
        if previous is not None and previous.kind == "function" and token.text != "(":
            raise _fail(text, "parentheses", name=previous.text, column=previous.column)
        if (
            token.text == "("
            and previous is not None
            and previous.kind == "name"
            and previous.text not in CONSTANTS
            and not re.fullmatch(r"[A-Za-z][0-9]*", previous.text)
        ):  # b(y - x^2) is a product; foo(x), eval(x) are calls of unknown functions
            raise _fail(text, "unknown_function", name=previous.text, column=previous.column)
        positions.append((offset, token.column))
        parts.append(token.text)
        offset += len(token.text)
        previous = token
    if previous is not None and previous.kind == "function":
        raise _fail(text, "parentheses", name=previous.text, column=previous.column)
    if previous is not None and previous.kind == "op" and previous.text != ")":
        raise _fail(text, "ends_early", token=previous.text, column=previous.column)
    return "".join(parts), positions


def _implicit_product(left: Token, right: Token) -> bool:
    """`2x`, `2(`, `x y`, `x(`, `)(`, `)x`, `2 sin`: a value followed by a value."""
    left_value = left.kind in ("number", "name") or left.text == ")"
    right_value = right.kind in ("name", "function") or right.text == "("
    if left.kind == "number" and right.kind == "number":
        return False  # "2 3" is a mistake, not 6
    if left.kind == "name" and right.text == "(":
        return True  # x(y + 1); an unknown function is refused by the caller
    return left_value and right_value


class _Walker:
    """Two passes over Python's `ast` of the formula: `check` (pure Python: the whitelist
    and every bound), then `build` (the SymPy expression, node by node)."""

    def __init__(self, text: str, python: str, positions: list[tuple[int, int]]) -> None:
        self.text = text
        self.python = python
        self.positions = positions
        self.nodes = 0
        self.parameters: list[str] = []  # in order of appearance

    # --- columns in the text as typed -------------------------------------------------------
    def column(self, node: ast.AST) -> int:
        offset = getattr(node, "col_offset", 0)
        column = 1
        for start, typed in self.positions:
            if start > offset:
                break
            column = typed + (offset - start)
        return column

    def operator_column(self, node: ast.BinOp) -> int:
        end = getattr(node.left, "end_col_offset", 0) or 0
        for start, typed in self.positions:
            if start >= end and self.python[start] in "+-*/":
                return typed
        return self.column(node)

    def fail(self, node: ast.AST, problem: str, **details: Any) -> FormulaError:
        # A binary operation is reported at its operator, not at its left operand.
        column = self.operator_column(node) if isinstance(node, ast.BinOp) else self.column(node)
        return _fail(self.text, problem, column=column, **details)

    # --- pass 1: the whitelist and the bounds, before SymPy is imported ---------------------
    def check(self, node: ast.AST, depth: int = 0) -> float | None:
        """Refuse what is not whitelisted; return the node's value when it is a constant
        (no x, y or parameter), computed in float so that SymPy never folds a constant
        that does not fit one (`exp(exp(exp(100)))`, `(10^15)^64`)."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(node, "too_many_nodes", limit=MAX_NODES)
        if depth > MAX_DEPTH:
            raise self.fail(node, "too_deep", limit=MAX_DEPTH)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.fail(node, "syntax", what=_node_words(node))
            if not abs(value) <= MAX_LITERAL:
                raise self.fail(node, "big_number", limit=f"{MAX_LITERAL:g}")
            return float(value)
        if isinstance(node, ast.Name):
            self.check_name(node)
            return {"pi": math.pi, "e": math.e}.get(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            operand = self.check(node.operand, depth + 1)
            return (
                None
                if operand is None
                else (-operand if isinstance(node.op, ast.USub) else operand)
            )
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
                raise self.fail(node, "operator", operator=_node_words(node.op).strip("'"))
            if isinstance(node.op, ast.Pow):
                self.check_exponent(node.right)
            values = [
                self.check(child, depth + _nesting(node.op, child))
                for child in (node.left, node.right)
            ]
            return self.constant(node, _BINARY[type(node.op)], values)
        if isinstance(node, ast.Call):
            self.check_call(node)
            values = [self.check(argument, depth + 1) for argument in node.args]
            return self.constant(node, _MATH[node.func.id], values)
        raise self.fail(node, "syntax", what=_node_words(node))

    def constant(self, node: ast.AST, function: Any, values: list[float | None]) -> float | None:
        if any(v is None for v in values):
            return None
        try:
            value = float(function(*values))
        except ZeroDivisionError:
            raise self.fail(node, "division_by_zero") from None
        except (ValueError, OverflowError):
            value = math.nan
        if not abs(value) <= MAX_CONSTANT:
            raise self.fail(node, "constant")
        return value

    def check_name(self, node: ast.Name) -> None:
        name = node.id
        if name in (*VARIABLES, *CONSTANTS) or name in self.parameters:
            return
        if name in FUNCTIONS:
            raise self.fail(node, "parentheses", name=name)
        if name in _RESERVED:
            raise self.fail(node, "reserved", name=name)
        if len(self.parameters) >= MAX_PARAMETERS:
            raise self.fail(node, "parameters", limit=MAX_PARAMETERS, name=name)
        self.parameters.append(name)

    def check_exponent(self, exponent: ast.AST) -> None:
        """Exponents are bounded numbers or expressions without powers (no towers)."""
        for inner in ast.walk(exponent):
            if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Pow):
                raise self.fail(inner, "tower")
            if isinstance(inner, ast.Call) and getattr(inner.func, "id", "") == "exp":
                raise self.fail(inner, "tower")
            if (
                isinstance(inner, ast.Constant)
                and isinstance(inner.value, (int, float))
                and not abs(inner.value) <= MAX_EXPONENT
            ):
                raise self.fail(inner, "big_exponent", limit=MAX_EXPONENT)

    def check_call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise self.fail(node, "syntax", what=_node_words(node))
        name = node.func.id
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, "keywords", name=name)
        arity = FUNCTIONS[name][1]
        fewest, most = (arity, arity) if isinstance(arity, int) else arity
        if not fewest <= len(node.args) <= most:
            if fewest == most:
                problem = "arity_one" if fewest == 1 else "arity"
                raise self.fail(node, problem, name=name, count=fewest)
            raise self.fail(node, "arity_range", name=name, fewest=fewest, most=most)

    # --- pass 2: the SymPy expression -------------------------------------------------------
    def build(self, node: ast.AST) -> sympy.Expr:
        import sympy

        if isinstance(node, ast.Constant):
            value = node.value
            return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)
        if isinstance(node, ast.Name):
            if node.id in ("x", "y"):
                return sympy.Symbol(node.id, real=True)
            if node.id in CONSTANTS:
                return sympy.pi if node.id == "pi" else sympy.E
            return sympy.Symbol(node.id, real=True)
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                if right == 0:
                    raise self.fail(node, "division_by_zero")
                return left / right
            return left**right
        args = [self.build(a) for a in node.args]
        sympy_name = FUNCTIONS[node.func.id][0]
        if sympy_name in ("log10", "log2"):
            return sympy.log(args[0]) / sympy.log(int(sympy_name[3:]))
        return getattr(sympy, sympy_name)(*args)


def _nesting(op: ast.operator, child: ast.AST) -> int:
    """1 when `child` is nested in `op`; 0 along a chain such as a + b - c or a*b/c, which
    SymPy flattens (a long sum is long, not deep)."""
    level = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
    if isinstance(child, ast.BinOp) and level.get(type(child.op), 0) == level.get(type(op), -1):
        return 0
    return 1


_BINARY = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: math.pow,
}  # fmt: skip
_MATH = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
    "atan": math.atan, "atan2": math.atan2, "sinh": math.sinh, "cosh": math.cosh,
    "tanh": math.tanh, "exp": math.exp, "log": math.log, "ln": math.log, "log10": math.log10,
    "log2": math.log2, "sqrt": math.sqrt, "abs": abs, "min": min, "max": max,
}  # fmt: skip


def _node_words(node: ast.AST) -> str:
    words = {
        ast.FloorDiv: "'//'", ast.Mod: "'%'", ast.MatMult: "'@'", ast.BitXor: "'^'",
        ast.Compare: "comparison", ast.Attribute: "attribute", ast.Subscript: "subscript",
        ast.Lambda: "lambda", ast.Tuple: "','", ast.Invert: "'~'", ast.Not: "'not'",
    }  # fmt: skip
    return words.get(type(node), type(node).__name__.lower())


def _syntax_error(
    text: str, error: SyntaxError, tokens: list[Token], positions: list[tuple[int, int]]
) -> FormulaError:
    """`unexpected <token> at column <n>` for the token where Python's parser stopped."""
    offset = (error.offset or 1) - 1
    for token, (start, _) in zip(reversed(tokens), reversed(positions), strict=True):
        if start <= offset < start + len(token.text):
            return _fail(text, "unexpected", token=token.text, column=token.column)
    last = tokens[-1]
    return _fail(text, "ends_early", token=last.text, column=last.column)


def _check_result(text: str, expr: sympy.Expr) -> None:
    import sympy

    if expr.has(sympy.I) or expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise _fail(text, "not_real")
    if any(not abs(number) <= MAX_CONSTANT for number in expr.atoms(sympy.Number)):
        raise _fail(text, "not_real")


def parse_formula(text: str) -> ParsedFormula:
    """Check and build a formula; every refusal is a `ParameterError` naming the column."""
    tokens = tokenize(text)
    python, positions = python_text(tokens, text)
    try:
        tree = syntax.parse(python, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(text, error, tokens, positions) from None
    walker = _Walker(text, python, positions)
    walker.check(tree.body)
    import sympy

    expr = walker.build(tree.body)
    _check_result(text, expr)
    clash = set(walker.parameters) & _srepr_names(expr)
    if clash:
        raise _fail(text, "sympy_name", name=sorted(clash)[0])
    return ParsedFormula(
        text=text,
        expression=ast.unparse(tree),
        sympy_expression=expr,
        parameters=tuple(walker.parameters),
        latex=sympy.latex(expr),
    )


def _srepr_names(expr: sympy.Expr) -> set[str]:
    """The SymPy names `srepr(expr)` calls, which a parameter may not shadow when the
    derivation path reads it back (`surfaces.derive.parse`); E and pi always, so that
    `E` is never silently a parameter next to the constant `e`."""
    import sympy

    return set(re.findall(r"\b([A-Za-z_]\w*)\(", sympy.srepr(expr))) | {"E", "pi"}


# --- the surface ------------------------------------------------------------------------------

_LOCK = threading.Lock()
_PARSED: OrderedDict[str, ParsedFormula] = OrderedDict()


def cached_parse(text: str) -> ParsedFormula:
    """`parse_formula`, with the last `MAX_FORMULAS` results kept (a refusal is not)."""
    with _LOCK:
        if text in _PARSED:
            _PARSED.move_to_end(text)
            return _PARSED[text]
    parsed = parse_formula(text)
    _check_derived_size(parsed)
    with _LOCK:
        _PARSED[text] = parsed
        while len(_PARSED) > MAX_FORMULAS:
            _PARSED.popitem(last=False)
    return parsed


def _check_derived_size(parsed: ParsedFormula) -> None:
    """The gradient and Hessian must stay small enough to print and compile quickly."""
    import sympy

    from surfaces.derive import derivatives

    derived = derivatives(parsed.key, parsed.parameters)
    size = sum(sympy.count_ops(d) for d in derived)
    if size > MAX_DERIVED_OPS:
        raise _fail(parsed.text, "derived_size", size=size, limit=MAX_DERIVED_OPS)


def validate_domain(domain: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """A view box ((x0, x1), (y0, y1)) with x0 < x1, y0 < y1, all within ±MAX_DOMAIN."""
    allowed = f"((x0, x1), (y0, y1)) with x0 < x1, y0 < y1 and |values| <= {MAX_DOMAIN:g}"
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in domain)
    except (TypeError, ValueError):
        raise ParameterError("domain", domain, allowed) from None
    values = (x0, x1, y0, y1)
    if not all(math.isfinite(v) and abs(v) <= MAX_DOMAIN for v in values):
        raise ParameterError("domain", domain, allowed)
    if not (x0 < x1 and y0 < y1):
        raise ParameterError("domain", domain, allowed)
    return (x0, x1), (y0, y1)


def parameter(name: str) -> Param:
    """A formula's free name as a surface parameter with its own slider."""
    import sympy

    return Param(
        name,
        PARAMETER_DEFAULT,
        f"The parameter {name} of the formula.",
        symbol=sympy.latex(sympy.Symbol(name)),
        low=-PARAMETER_LIMIT,
        high=PARAMETER_LIMIT,
        ui_low=-PARAMETER_UI_LIMIT,
        ui_high=PARAMETER_UI_LIMIT,
    )


def grid_hints(
    domain: tuple[tuple[float, float], tuple[float, float]],
) -> tuple[tuple[float, float], ...]:
    """Starts for the stationary-point search: a grid over the view box, off its edges."""
    (x0, x1), (y0, y1) = domain
    fractions = [(i + 0.5) / GRID_HINTS for i in range(GRID_HINTS)]
    return tuple((x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)) for fy in fractions for fx in fractions)


@dataclass(frozen=True)
class NewtonHints:
    """The stationary-point hints of a typed function: Newton's method run on the whole
    grid of starts at once (vectorized), keeping the distinct points it converges to, so
    that SciPy refines a handful of points instead of the whole grid (a slider on a typed
    function then costs what it costs on a built-in).  A callable `critical_hints`: it
    receives the bound parameter values."""

    key: str
    parameter_names: tuple[str, ...]
    domain: tuple[tuple[float, float], tuple[float, float]]

    def __call__(self, **values: float) -> tuple[tuple[float, float], ...]:
        import numpy as np

        from surfaces.core import numpy_functions

        functions = numpy_functions(self.key, self.parameter_names)
        params = [values[name] for name in self.parameter_names]
        points = np.array(grid_hints(self.domain))
        with np.errstate(all="ignore"):
            for _ in range(NEWTON_ITERATIONS):
                x, y = points[:, 0], points[:, 1]
                gx, gy, hxx, hxy, hyy = (
                    np.broadcast_to(functions[k](x, y, *params), x.shape) for k in range(1, 6)
                )
                det = hxx * hyy - hxy * hxy
                step = np.stack([hyy * gx - hxy * gy, hxx * gy - hxy * gx], -1) / det[:, None]
                # A point where Newton cannot move (a kink of |x|: Hessian 0) stays put.
                points = points - np.where(np.isfinite(step), step, 0.0)
            x, y = points[:, 0], points[:, 1]
            gradient = np.hypot(functions[1](x, y, *params), functions[2](x, y, *params))
        (x0, x1), (y0, y1) = self.domain
        margin = max(x1 - x0, y1 - y0)
        inside = (np.abs(points[:, 0] - (x0 + x1) / 2) <= margin) & (
            np.abs(points[:, 1] - (y0 + y1) / 2) <= margin
        )
        found = points[np.isfinite(gradient) & (gradient < 1e-6) & inside]
        if any(name in self.key for name in _KINKED):
            found = np.concatenate([found, self._kink_minima(functions[0], params)])
        distinct: list[tuple[float, float]] = []
        for point in found:
            if all(np.hypot(point[0] - p[0], point[1] - p[1]) > 1e-6 for p in distinct):
                distinct.append((float(point[0]), float(point[1])))
        return tuple(distinct)

    def _kink_minima(self, value: Any, params: list[float]) -> Any:
        """Where a derivative-free descent (Nelder-Mead) settles from the grid's discrete
        local minima: a minimum at a kink has no zero gradient for Newton to find."""
        import numpy as np
        from scipy.optimize import minimize

        points = np.array(grid_hints(self.domain))
        with np.errstate(all="ignore"):
            heights = np.broadcast_to(value(points[:, 0], points[:, 1], *params), len(points))
        grid = np.where(np.isfinite(heights), heights, np.inf).reshape(GRID_HINTS, GRID_HINTS)
        padded = np.pad(grid, 1, constant_values=np.inf)
        neighbours = np.stack(
            [
                padded[1 + dy : 1 + dy + GRID_HINTS, 1 + dx : 1 + dx + GRID_HINTS]
                for dy in (-1, 0, 1)
                for dx in (-1, 0, 1)
                if dy or dx
            ]
        )
        lowest = np.isfinite(grid) & np.all(grid <= neighbours, axis=0)
        order = np.argsort(np.where(lowest, grid, np.inf).ravel())[:KINK_STARTS]
        (x0, x1), (y0, y1) = self.domain
        spacing = np.array([(x1 - x0), (y1 - y0)]) / GRID_HINTS

        def objective(xy: Any) -> float:
            with np.errstate(all="ignore"):
                height = float(value(xy[0], xy[1], *params))
            return height if np.isfinite(height) else np.inf

        minima = []
        for index in order[lowest.ravel()[order]]:
            start = points[index]
            # Restarted once from where it stopped: Nelder-Mead's simplex can collapse on a
            # crease before the corner; a fresh simplex there walks on to it.
            for scale in (spacing / 2, spacing * 1e-3):
                simplex = start + np.array([[0.0, 0.0], [scale[0], 0.0], [0.0, scale[1]]])
                result = minimize(
                    objective,
                    start,
                    method="Nelder-Mead",
                    options={
                        "initial_simplex": simplex,
                        "xatol": 1e-11,
                        "fatol": 1e-14,
                        "maxiter": KINK_ITERATIONS,
                    },
                )
                start = result.x
            minima.append(start)
        return np.array(minima).reshape(-1, 2)


def formula_definition(
    text: str,
    *,
    domain: Any = None,
    start: Any = None,
    name: str | None = None,
) -> SurfaceDef:
    """The `SurfaceDef` of a typed formula (parameters unbound); the same object for the
    same arguments, so that what is kept per definition (stationary points) is found again."""
    parsed = cached_parse(text)
    box = validate_domain(DEFAULT_DOMAIN if domain is None else domain)
    if name is not None and (not isinstance(name, str) or not 0 < len(name) <= 60):
        raise ParameterError("name", name, "text of 1 to 60 characters")
    return _definition(parsed.text, box, None if start is None else validate_start(start), name)


@lru_cache(maxsize=MAX_FORMULAS)
def _definition(
    text: str,
    box: tuple[tuple[float, float], tuple[float, float]],
    start: tuple[float, float] | None,
    name: str | None,
) -> SurfaceDef:
    from surfaces.core import SurfaceDef

    parsed = cached_parse(text)
    definition = SurfaceDef(
        name=FORMULA,
        title=name or "f(x, y) = " + " ".join(parsed.text.split()),
        expression=parsed.key,
        latex="f(x, y) = " + parsed.latex,
        description=parsed.expression,
        domain=box,
        default_start=(0.0, 0.0),
        params=tuple(parameter(p) for p in parsed.parameters),
        critical_hints=NewtonHints(parsed.key, parsed.parameters, box),
        formula=parsed.text,
    )
    return replace(definition, default_start=start or _default_start(definition))


def validate_start(start: Any) -> tuple[float, float]:
    """A start (x, y) of finite numbers within ±MAX_DOMAIN."""
    allowed = f"a point (x, y) with |x|, |y| <= {MAX_DOMAIN:g}"
    try:
        x, y = (float(v) for v in start)
    except (TypeError, ValueError):
        raise ParameterError("start", start, allowed) from None
    if not all(math.isfinite(v) and abs(v) <= MAX_DOMAIN for v in (x, y)):
        raise ParameterError("start", start, allowed)
    return x, y


def _default_start(definition: SurfaceDef) -> tuple[float, float]:
    """The first of a few points towards the view box's corners where f and ∇f are finite."""
    import numpy as np

    from surfaces.core import bind

    surface = bind(definition)
    (x0, x1), (y0, y1) = definition.domain
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    candidates = np.array(
        [(cx + u * rx, cy + v * ry) for u, v in ((-0.7, 0.6), (0.7, 0.6), (0.7, -0.6),
                                                 (-0.7, -0.6), (0.3, 0.2), (-0.3, -0.2))]
    )  # fmt: skip
    finite = np.isfinite(surface.value(candidates)) & np.all(
        np.isfinite(surface.grad(candidates)), -1
    )
    index = int(np.argmax(finite)) if finite.any() else 0
    # Rounded as a person would type it: -2.1, not -2.0999999999999996.
    return round(float(candidates[index, 0]), 6), round(float(candidates[index, 1]), 6)


def from_formula(
    text: str,
    *,
    domain: Any = None,
    start: Any = None,
    name: str | None = None,
    **params: float,
) -> Surface:
    """A `Surface` from f(x, y) typed as text, accepted wherever a surface is.

    >>> s = from_formula("a*x^2 + 3y^2", a=2)
    >>> s.grad([[1.0, 1.0]]).tolist(), s.parameters
    ([[4.0, 6.0]], (2.0,))
    """
    from surfaces.core import bind

    return bind(formula_definition(text, domain=domain, start=start, name=name), params)
