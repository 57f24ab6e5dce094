"""The source's worked example, produced by the code: the table of h1..h6 at
x = 1, w = 0, b = 0, and df/dw = df/db = 0.25."""

from __future__ import annotations

import math

import pytest
import sympy

from fnnlab.autodiff import forward as fm
from fnnlab.autodiff.worked_example import (
    DUAL_OPS,
    FLOAT_OPS,
    OperatorOps,
    TraceOps,
    chain_rule_paths,
    example_function,
    worked_example,
)
from fnnlab.numerical import central_difference

TABLE = """\
f(x; w, b) at x=1, w=0, b=0
    function    value   local derivatives
h1  w * x           0   dh1/dw = x = 1
h2  h1 + b          0   dh2/dh1 = 1, dh2/db = 1
h3  -h2             0   dh3/dh2 = -1
h4  exp(h3)         1   dh4/dh3 = exp(h3) = 1
h5  h4 + 1          2   dh5/dh4 = 1
h6  1 / h5        0.5   dh6/dh5 = -1/h5**2 = -0.25
df/dw = 1 x -0.25 x 1 x 1 x -1 x 1 x 1 = 0.25
df/dw by forward mode = 0.25
df/db = 1 x -0.25 x 1 x 1 x -1 x 1 = 0.25
df/db by forward mode = 0.25"""


@pytest.fixture(scope="module")
def example():
    return worked_example()


def test_the_table_of_the_source(example):
    rows = example.rows
    assert [r.name for r in rows] == [f"h{i}" for i in range(1, 7)]
    assert [r.definition for r in rows] == [
        "w * x", "h1 + b", "-h2", "exp(h3)", "h4 + 1", "1 / h5"]
    assert [r.value for r in rows] == [0.0, 0.0, 0.0, 1.0, 2.0, 0.5]
    assert [r.partials for r in rows] == [
        (("w", "x", 1.0),),
        (("h1", "1", 1.0), ("b", "1", 1.0)),
        (("h2", "-1", -1.0),),
        (("h3", "exp(h3)", 1.0),),
        (("h4", "1", 1.0),),
        (("h5", "-1/h5**2", -0.25),),
    ]
    assert example.value == 0.5


def test_df_dw_and_df_db_are_a_quarter(example):
    assert example.forward_mode == (0.25, 0.25)
    assert example.chain_rule("w") == 0.25
    assert example.chain_rule("b") == 0.25
    path = example.paths["w"][0]
    assert [v for _, v in path] == [1.0, -0.25, 1.0, 1.0, -1.0, 1.0, 1.0]
    assert [label for label, _ in path][:2] == ["df/dh6", "dh6/dh5"]


def test_the_text_of_the_table(example):
    assert repr(example) == TABLE


@pytest.mark.parametrize("x, w, b", [(2.0, 0.5, -1.0), (-0.3, 1.7, 0.4)])
def test_another_point_agrees_with_differences(x, w, b):
    ex = worked_example(x, w, b)
    f = lambda w_, b_: example_function(FLOAT_OPS, x, w_, b_)  # noqa: E731
    dw = central_difference(lambda t: f(t, b), w)
    db = central_difference(lambda t: f(w, t), b)
    assert ex.forward_mode == pytest.approx((dw, db), rel=1e-8)
    assert ex.chain_rule("w") == pytest.approx(dw, rel=1e-8)
    assert ex.chain_rule("b") == pytest.approx(db, rel=1e-8)
    assert ex.value == pytest.approx(1 / (1 + math.exp(-(w * x + b))))


def test_one_function_many_kinds_of_number():
    assert example_function(FLOAT_OPS, 1.0, 0.0, 0.0) == 0.5
    y = example_function(DUAL_OPS, 1.0, fm.Dual(0.0, 1.0), fm.Dual(0.0))
    assert (y.value, y.tangent) == (0.5, 0.25)
    x, w, b = sympy.symbols("x w b")
    f = example_function(OperatorOps(sympy.exp), x, w, b)
    assert sympy.simplify(f - 1 / (1 + sympy.exp(-w * x - b))) == 0


def test_a_new_kind_of_node_plugs_in():
    """What a reverse-mode engine does: nodes that remember their parents,
    with the five operations; here a tiny recorder that only counts."""

    class Counted:
        made = 0

        def __init__(self, v):
            Counted.made += 1
            self.v = v

        def __add__(self, o):
            return Counted(self.v + getattr(o, "v", o))

        __radd__ = __add__

        def __mul__(self, o):
            return Counted(self.v * getattr(o, "v", o))

        __rmul__ = __mul__

        def __neg__(self):
            return Counted(-self.v)

        def __rtruediv__(self, o):
            return Counted(o / self.v)

    ops = OperatorOps(lambda n: Counted(math.exp(n.v)))
    y = example_function(ops, 1.0, Counted(0.0), Counted(0.0))
    assert y.v == 0.5 and Counted.made == 2 + 6
    assert "OperatorOps(exp=" in repr(ops)


def test_trace_and_paths_of_a_shared_input():
    """Two paths from the output to ``a``: their products add."""
    from fnnlab.autodiff.worked_example import Node

    trace = TraceOps()
    a = Node("a", 3.0)
    out = trace.mul(trace.exp(a), a)            # a e^a
    paths = chain_rule_paths(trace.rows, "a")
    assert len(paths) == 2
    total = sum(math.prod(v for _, v in p) for p in paths)
    assert total == pytest.approx(4 * math.exp(3.0))
    assert out.value == pytest.approx(3 * math.exp(3.0))
