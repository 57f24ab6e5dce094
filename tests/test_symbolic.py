"""Symbolic differentiation: the worked example's derivative, compiled, agrees
with dual numbers and central differences; expression swell against AD."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from fnnlab.autodiff import forward as fm
from fnnlab.autodiff.worked_example import DUAL_OPS, FLOAT_OPS
from fnnlab.errors import FnnlabError
from fnnlab.numerical import central_difference
from fnnlab.symbolic import (
    SwellData,
    ad_program,
    expression_swell,
    logistic_example,
    logistic_network,
    network_function,
    plot_expression_swell,
)


@pytest.fixture(scope="module")
def example():
    return logistic_example()


@pytest.fixture(scope="module")
def swell():
    return expression_swell(range(1, 9), width=1)


def test_example_formula_and_its_derivative(example):
    x, w, b, f = example.x, example.w, example.b, example.f
    assert sympy.simplify(f - 1 / (sympy.exp(-(w * x + b)) + 1)) == 0
    dfdw, dfdb = example.simplified
    exp = sympy.exp                     # SymPy may answer with cosh
    assert sympy.simplify((dfdw - x * f * (1 - f)).rewrite(exp)) == 0
    assert sympy.simplify((dfdb - f * (1 - f)).rewrite(exp)) == 0
    assert sympy.count_ops(dfdw) < sympy.count_ops(example.raw[0])
    assert "df/dw=" in repr(example) and "df/db=" in repr(example)


def test_example_compiled_agrees_with_duals_and_differences(example):
    rng = np.random.default_rng(0)
    for x, w, b in rng.uniform(-2, 2, size=(10, 3)):
        dw, db = (float(v) for v in example.gradient(x, w, b))
        f = lambda w_, b_: 1 / (fm.exp(-(w_ * x + b_)) + 1)   # noqa: E731
        assert (dw, db) == pytest.approx(fm.partials(f, w, b), rel=1e-12)
        assert dw == pytest.approx(
            central_difference(lambda t: example.f_numpy(x, t, b), w),
            rel=1e-8, abs=1e-10)
        assert db == pytest.approx(
            central_difference(lambda t: example.f_numpy(x, w, t), b),
            rel=1e-8, abs=1e-10)


def test_compiled_gradient_takes_arrays(example):
    x = np.array([1.0, 2.0, -1.0])
    dw, db = example.gradient(x, 0.0, 0.0)
    assert np.allclose(dw, 0.25 * x) and np.allclose(db, 0.25)


@pytest.mark.parametrize("depth, width", [(3, 1), (3, 2)])
def test_network_derivative_agrees_three_ways(depth, width):
    out, params, x = logistic_network(depth, width)
    grads = [sympy.diff(out, p) for p in params]
    compiled = sympy.lambdify([x] + params, grads, modules="numpy")
    rng = np.random.default_rng(depth + width)
    values = rng.uniform(-1.5, 1.5, size=len(params))
    x0 = 0.7
    symbolic = np.array(compiled(x0, *values), dtype=float)

    names = [str(p) for p in params]

    def f(*ps):
        return network_function(DUAL_OPS, x0, dict(zip(names, ps)), depth,
                                width)

    duals = np.array(fm.partials(f, *values))
    assert np.allclose(symbolic, duals, rtol=1e-12, atol=1e-15)

    def on_floats(i, t):
        ps = list(values)
        ps[i] = t
        return network_function(FLOAT_OPS, x0, dict(zip(names, ps)), depth,
                                width)

    numeric = [central_difference(lambda t: on_floats(i, t), values[i])
               for i in range(len(values))]
    assert np.allclose(symbolic, numeric, rtol=1e-7, atol=1e-9)

    program = ad_program(depth, width)
    env = {program.x: x0}
    env.update(zip(program.params, values))
    by_ad = program.evaluate(env)
    assert np.allclose([by_ad[p] for p in program.params], symbolic,
                       rtol=1e-12, atol=1e-15)


def test_depth_one_is_the_worked_example(example):
    out, params, x = logistic_network(1)
    w, b = params
    swap = {example.w: w, example.b: b, example.x: x}
    assert sympy.simplify(out - example.f.subs(swap)) == 0


def test_swell_numbers(swell):
    assert isinstance(swell, SwellData)
    assert list(swell.depths) == list(range(1, 9))
    assert list(swell.num_params) == [2 * d for d in range(1, 9)]
    for depth in (1, 2):                        # the sizes, recounted here
        out, params, _ = logistic_network(depth)
        grads = [sympy.diff(out, p) for p in params]
        assert swell.symbolic[depth - 1] == sum(sympy.count_ops(g)
                                                for g in grads)
    # AD grows linearly: the same cost per layer
    steps = np.diff(swell.ad)
    assert np.all(steps == steps[0])
    # the raw symbolic gradient grows faster than linearly, and faster
    # than AD; cse brings it back to linear
    assert np.all(np.diff(swell.symbolic, 2) > 0)
    assert (swell.symbolic[-1] / swell.symbolic[0]
            > 20 * swell.ad[-1] / swell.ad[0])
    assert np.all(np.diff(swell.symbolic / swell.ad) > 0)
    assert swell.symbolic[-1] > 40 * swell.ad[-1]
    assert np.all(np.diff(swell.symbolic_cse, 2) == 0)
    assert np.all(swell.symbolic_cse < swell.symbolic)


def test_width_two_swells_even_with_cse():
    data = expression_swell(range(1, 5), width=2)
    assert list(data.num_params) == [2, 2 + 2 + 3, 4 + 6 + 3, 4 + 12 + 3]
    assert np.all(np.diff(data.ad[1:], 2) == 0)   # linear from depth 2
    assert np.all(np.diff(data.symbolic_cse, 2) > 0)
    assert data.symbolic_cse[-1] > data.ad[-1]


def test_swell_repr_and_plot(swell):
    lines = repr(swell).splitlines()
    assert len(lines) == 9 and lines[1].split()[:2] == ["1", "2"]
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_expression_swell(swell)
    assert len(ax.get_lines()) == 3 and ax.get_yscale() == "log"
    assert np.array_equal(ax.get_lines()[2].get_ydata(), swell.ad)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_bad_shapes_are_refused():
    with pytest.raises(FnnlabError, match="depth: got 0"):
        logistic_network(0)
    with pytest.raises(FnnlabError, match="width: got 10"):
        logistic_network(2, 10)
