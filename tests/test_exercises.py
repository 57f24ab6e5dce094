"""The exercise checkers (fnnlab.exercises) and the chapter *Exercises*.

Every checker passes its solution, rejects a typical wrong answer with a
message that names what is wrong (the entry, shape or point, and the
expected value), and raises AnswerTypeError, naming the argument, for an
answer of the wrong kind.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnnlab
from fnnlab import exercises as ex
from fnnlab.autodiff.forward import Dual
from fnnlab.exercises._compare import compare_arrays
from fnnlab.exercises._core import fmt

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "exercises.ipynb"

sig = fnnlab.logistic


# --- solutions, as a learner would write them --------------------------------

def swish_prime(z):
    s = sig(z)
    return s + z * s * (1.0 - s)


_erf = np.vectorize(math.erf)


def gelu_prime(z):
    z = np.asarray(z, dtype=float)
    Phi = 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))
    return Phi + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def step(z, W_next, delta_next, df):
    return df(z) * (W_next.T @ delta_next)


def mul(a, b):
    return a[0] * b[0], a[1] * b[0] + a[0] * b[1]


def div(a, b):
    q = a[0] / b[0]
    return q, (a[1] - q * b[1]) / b[0]


def ce_grad(Y, Z):
    N = Z.shape[1] if Z.ndim == 2 else 1
    return (fnnlab.softmax(Z) - Y) / N


XOR = {"W1": [[1.0, 1.0], [1.0, 1.0]], "b1": [0.0, -1.0],
       "W2": [[1.0, -2.0]], "b2": [0.0]}

SOLUTIONS = {
    "positive_inputs": "B",
    "xor_network": XOR,
    "dying_relu": "ABC",
    "swish_derivative": swish_prime,
    "gelu_derivative": gelu_prime,
    "depth_param_count": [7210, 5962, 4522, 3610, 2570],
    "unregularized_biases": "B",
    "zero_init": "B",
    "vanishing_bound": 1 / 256,
    "learning_rate": "B",
    "error_term": step,
    "dual_product": mul,
    "dual_quotient": div,
    "softmax_ce_gradient": ce_grad,
}


# --- the registry and the Result ---------------------------------------------

def test_every_exercise_is_registered_with_a_solution():
    assert list(ex.EXERCISES) == list(SOLUTIONS)
    for name, exercise in ex.EXERCISES.items():
        assert exercise.name == name and exercise.title and exercise.answer


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_each_checker_passes_its_solution(name):
    result = ex.check(name, SOLUTIONS[name])
    assert isinstance(result, ex.Result)
    assert result.passed, result.message
    assert repr(result).startswith(f"{name}: passed. ")


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_none_means_not_answered_yet(name):
    result = ex.check(name, None)
    assert not result.passed
    assert "no answer yet: pass" in result.message


def test_result_is_readable_and_falsy_when_wrong():
    result = ex.check_zero_init("A")
    assert bool(result) is False
    assert repr(result) == str(result)
    assert repr(result).startswith("zero_init: not yet. A is not right: ")
    assert "0x" not in repr(result)
    lines = repr(result).splitlines()
    assert len(lines) > 1 and max(map(len, lines)) <= 72
    assert " ".join(line.strip() for line in lines) == \
        f"zero_init: not yet. {result.message}"


def test_check_names_an_unknown_exercise():
    with pytest.raises(fnnlab.FnnlabError, match="name: got 'xor'"):
        ex.check("xor", XOR)


def test_list_exercises_has_a_row_per_exercise():
    rows = ex.list_exercises().splitlines()
    assert len(rows) == 2 * len(SOLUTIONS)
    assert rows[0].startswith("positive_inputs  ")
    assert rows[1].strip() == "answer: a letter"
    assert max(map(len, rows)) <= 79


def test_fmt_shows_enough_digits_to_tell_numbers_apart():
    assert fmt(0.25) == "0.25" and fmt(7210.0) == "7210"
    assert fmt(0.12345671) == "0.123457"
    assert fmt(0.12345671, 0.12345674) == "0.12345671"
    assert fmt(0.12345674, 0.12345671) == "0.12345674"
    assert fmt(float("nan")) == "nan"


# --- multiple choice ---------------------------------------------------------

@pytest.mark.parametrize("question", list(ex.QUESTIONS.values()),
                         ids=list(ex.QUESTIONS))
def test_each_wrong_choice_says_why(question):
    right = question.right_letters()
    for letter, choice in zip(question.letters, question.choices):
        if letter in right:
            continue
        result = question.check(letter.lower() + ")")
        assert not result.passed
        assert result.message.startswith(f"{letter} is not right: ")
        assert choice.why[:30] in result.message


def test_single_choice_answers_are_flexible_in_form():
    for answer in ("B", "b", " B) ", ["B"]):
        assert ex.check_zero_init(answer).passed


def test_select_all_reports_wrong_picks_and_how_many_are_missing():
    result = ex.check_dying_relu("A, D")
    assert not result.passed
    assert "D is not right: the dead unit's gradient is exactly 0" in result.message
    assert "2 right choices are missing" in result.message
    result = ex.check_dying_relu(["a", "b"])
    assert result.message == "1 right choice is missing from your answer."
    assert ex.check_dying_relu("c b a").passed


@pytest.mark.parametrize("answer, expected", [
    (2, r"answer: got 2 \(a int\), expected one letter"),
    ("E", r"answer: got 'E', expected one letter, e.g. 'A' \(choices A, B, C, D\)"),
    ("", r"answer: got '', expected one letter"),
    ("AB", r"exactly one choice is right"),
])
def test_a_choice_of_the_wrong_kind_raises(answer, expected):
    with pytest.raises(ex.AnswerTypeError, match=expected):
        ex.check_positive_inputs(answer)


def test_answer_type_error_is_both_a_fnnlab_error_and_a_type_error():
    assert issubclass(ex.AnswerTypeError, fnnlab.FnnlabError)
    assert issubclass(ex.AnswerTypeError, TypeError)


# --- XOR ---------------------------------------------------------------------

def test_xor_accepts_a_network_on_every_backend(backend):
    net = fnnlab.FNN([2, 2, 1], activation="relu", output="identity")
    net.set_params({k: fnnlab.asarray(v) for k, v in XOR.items()})
    result = ex.check_xor_network(net)
    assert result.passed, result.message
    assert "(1, 1) -> 0" in result.message


def test_xor_names_the_input_it_gets_wrong():
    orlike = {"W1": np.eye(2), "b1": [0, 0], "W2": [[1, 1]], "b2": [0]}
    result = ex.check_xor_network(orlike)
    assert not result.passed
    assert ("on x = (1, 1) your network outputs 2, which reads as 1 "
            "(threshold 0.5), but XOR(1, 1) = 0") in result.message


def test_xor_names_a_wrong_shape():
    result = ex.check_xor_network(dict(XOR, W2=[1.0, -2.0]))
    assert result.message == ("W2 has shape (2,) but expected (1, 2) "
                              "(W^(l) is (M_l, M_{l-1}))")


@pytest.mark.parametrize("net, expected", [
    (fnnlab.FNN([2, 3, 1], output="identity"), "widths [2, 3, 1], expected [2, 2, 1]"),
    (fnnlab.FNN([2, 2, 1], activation="tanh", output="identity"), "uses 'tanh'"),
    (fnnlab.FNN([2, 2, 1]), "softmax over one unit"),
])
def test_xor_names_a_wrong_architecture(net, expected):
    result = ex.check_xor_network(net)
    assert not result.passed and expected in result.message


@pytest.mark.parametrize("answer, expected", [
    ({k: v for k, v in XOR.items() if k != "b2"}, "answer: missing 'b2'"),
    (dict(XOR, W3=[1.0]), "unknown 'W3'"),
    (dict(XOR, W1="ones"), r"answer\['W1'\]: got 'ones'"),
    ([XOR], r"answer: got \[.*\(a list\), expected an fnnlab.FNN"),
])
def test_xor_answers_of_the_wrong_kind_raise(answer, expected):
    with pytest.raises(ex.AnswerTypeError, match=expected):
        ex.check_xor_network(answer)


# --- Swish and GELU ----------------------------------------------------------

def test_swish_forgetting_the_product_rule_is_named_at_z_1():
    result = ex.check_swish_derivative(sig)
    assert not result.passed
    assert ("your function returns the wrong value at z = 1: got 0.731059, "
            "expected 0.927671") in result.message
    assert "that is logistic(z) alone" in result.message


def test_swish_an_overflow_at_large_z_is_named():
    def naive(z):
        e = np.exp(z)
        return e / (1 + e) + z * e / (1 + e) ** 2

    result = ex.check_swish_derivative(naive)
    assert not result.passed
    assert "at z = 1000: got nan, expected 1" in result.message
    assert "cannot overflow" in result.message


def test_swish_a_float_only_function_is_called_point_by_point():
    def with_math(z):
        s = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        return s + z * s * (1 - s)

    assert ex.check_swish_derivative(with_math).passed

    def overflowing(z):
        return 1 / (1 + math.exp(-z)) * (1 + z * math.exp(-z) / (1 + math.exp(-z)))

    result = ex.check_swish_derivative(overflowing)
    assert "raised OverflowError at z = -1000" in result.message


def test_a_stub_is_told_that_it_returns_nothing():
    def stub(z):
        ...

    result = ex.check_swish_derivative(stub)
    assert result.message == ("at z = 0 your function returned None (is a "
                              "return statement missing?); expected a number")


def test_gelu_slips_are_recognized():
    from fnnlab.exercises.derivatives import _gelu_tanh_derivative, normal_cdf

    result = ex.check_gelu_derivative(normal_cdf)
    assert "at z = 1: got 0.841345, expected 1.08332" in result.message
    assert "z * phi(z)" in result.message
    result = ex.check_gelu_derivative(_gelu_tanh_derivative)
    assert "at z = 1: got 1.08296, expected 1.08332" in result.message
    assert "tanh approximation" in result.message


def test_the_references_match_numerical_derivatives():
    from fnnlab.exercises.derivatives import (
        gelu, gelu_derivative, swish, swish_derivative)

    z = np.linspace(-6, 6, 49)
    h = 1e-5
    for f, df in ((swish, swish_derivative), (gelu, gelu_derivative)):
        numeric = (f(z + h) - f(z - h)) / (2 * h)
        assert np.allclose(df(z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("answer", ["z * logistic(z)", 0.5, [1, 2]])
def test_a_function_answer_of_the_wrong_kind_raises(answer):
    with pytest.raises(ex.AnswerTypeError, match="answer: got .*expected a function"):
        ex.check_swish_derivative(answer)


# --- parameter count ---------------------------------------------------------

def test_depth_counts_come_from_num_params():
    from fnnlab.exercises.depth import depth_param_counts, depth_widths

    assert depth_widths(2) == [64, 48, 48, 10]
    expected = [sum(w[l] * (w[l - 1] + 1) for l in range(1, len(w)))
                for w in map(depth_widths, (1, 2, 3, 4, 6))]
    assert depth_param_counts().tolist() == expected


def test_depth_counting_weights_only_is_recognized():
    result = ex.check_depth_param_count([7104, 5856, 4416, 3504, 2464])
    assert result.message.startswith(
        "entry 0 (K = 1, widths [64, 96, 10]) is 7104, expected 7210 "
        "(5 of 5 entries wrong)")
    assert "not the biases" in result.message


def test_depth_names_the_one_wrong_entry_and_a_wrong_shape():
    result = ex.check_depth_param_count([7210, 5962, 4522, 3610, 2571])
    assert "entry 4 (K = 6" in result.message
    assert "is 2571, expected 2570 (1 of 5 entries wrong)" in result.message
    result = ex.check_depth_param_count([7210, 5962, 4522, 3610])
    assert result.message == "your answer has shape (4,) but expected (5,)"


def test_depth_an_answer_that_is_not_numbers_raises():
    with pytest.raises(ex.AnswerTypeError, match="answer: got 'many'"):
        ex.check_depth_param_count("many")


# --- the vanishing bound -----------------------------------------------------

@pytest.mark.parametrize("answer, expected", [
    (0.25 ** 5, "your bound is 0.000976562, expected 0.00390625; that is (1/4)^5"),
    (0.0039, "close, but compute it exactly"),
    (0.25, "that is one step"),
])
def test_vanishing_bound_slips(answer, expected):
    result = ex.check_vanishing_bound(answer)
    assert not result.passed and expected in result.message


def test_vanishing_bound_accepts_a_numpy_scalar_and_rejects_text():
    assert ex.check_vanishing_bound(np.float64(0.25) ** 4).passed
    with pytest.raises(ex.AnswerTypeError, match="answer: got '1/256'"):
        ex.check_vanishing_bound("1/256")


# --- the error-term recursion ------------------------------------------------

def test_error_term_cases_come_from_fnnlab_backprop():
    from fnnlab.exercises.recursion import error_term_cases

    cases = error_term_cases()
    assert len(cases) == 5
    assert {c["z"].shape[1] for c in cases} == {1, 4, 5}
    for c in cases:
        assert c["expected"].shape == c["z"].shape
        assert not np.allclose(c["expected"], 0)


def test_error_term_a_missing_transpose_is_explained():
    result = ex.check_error_term(lambda z, W, d, df: df(z) * (W @ d))
    assert not result.passed
    assert "raised ValueError on layer l = 1 of a network of widths [4, 3, 2]" \
        in result.message
    assert "W^(l+1) is (M_{l+1}, M_l)" in result.message


def test_error_term_a_missing_derivative_names_an_entry():
    result = ex.check_error_term(lambda z, W, d, df: W.T @ d)
    assert "delta^(l): entry (0, 0) is -0.149364, expected 0 (11 of 15 " \
        "entries wrong)" in result.message
    assert "f_l'(z^(l)) is missing" in result.message


def test_error_term_a_wrong_shape_is_named():
    result = ex.check_error_term(lambda z, W, d, df: (df(z) * (W.T @ d)).T)
    assert "delta^(l) has shape (5, 3) but expected (3, 5) (it looks " \
        "transposed)" in result.message


def test_error_term_a_function_that_returns_nothing():
    result = ex.check_error_term(lambda z, W, d, df: None)
    assert "returned None (is a return statement missing?)" in result.message
    assert "expected an array of shape (3, 5)" in result.message


# --- dual numbers ------------------------------------------------------------

def test_dual_answers_may_return_fnnlab_duals():
    assert ex.check_dual_product(lambda a, b: Dual(*a) * Dual(*b)).passed
    assert ex.check_dual_quotient(lambda a, b: Dual(*a) / Dual(*b)).passed


def test_dual_product_of_tangents_is_recognized():
    result = ex.check_dual_product(lambda a, b: (a[0] * b[0], a[1] * b[1]))
    assert result.message.startswith(
        "for a = (3, 1) and b = (2, 0) your function returns (6, 0), "
        "expected (6, 2): the tangent is wrong")
    assert "you multiplied the tangents" in result.message


@pytest.mark.parametrize("op, expected", [
    (lambda a, b: (a[0] / b[0], (a[0] * b[1] - a[1] * b[0]) / b[0] ** 2),
     "returns (1.5, -0.5), expected (1.5, 0.5): the tangent is wrong; the sign"),
    (lambda a, b: (a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0]),
     "returns (1.5, 1), expected (1.5, 0.5): the tangent is wrong; divide by b^2"),
    (lambda a, b: (a[0] * b[0], (a[1] * b[0] - a[0] * b[1]) / b[0] ** 2),
     "returns (6, 0.5), expected (1.5, 0.5): the value is wrong"),
])
def test_dual_quotient_slips(op, expected):
    result = ex.check_dual_quotient(op)
    assert not result.passed and expected in result.message


def test_dual_a_result_that_is_not_a_pair():
    result = ex.check_dual_product(lambda a, b: a[0] * b[0])
    assert result.message == ("for a = (3, 1) and b = (2, 0) your function "
                              "returned 6.0 (a float); expected a pair "
                              "(value, tangent)")


# --- softmax cross-entropy ---------------------------------------------------

def test_softmax_ce_forgetting_the_mean_is_named():
    result = ex.check_softmax_ce_gradient(lambda Y, Z: fnnlab.softmax(Z) - Y)
    assert ("on a batch of N = 2 equal columns, logits [1, 2, 3], class 0, "
            "dL/dZ: entry (0, 0) is -0.909969, expected -0.454985") in result.message
    assert "2 times the expected one: the loss is the mean" in result.message


def test_softmax_ce_the_wrong_sign_is_named():
    result = ex.check_softmax_ce_gradient(lambda Y, Z: Y - fnnlab.softmax(Z))
    assert "entry 0 is 0.909969, expected -0.909969" in result.message
    assert "the gradient is p - y, not y - p" in result.message


def test_softmax_ce_an_unstable_softmax_is_named():
    def naive(Y, Z):
        E = np.exp(Z)
        N = Z.shape[1] if Z.ndim == 2 else 1
        return (E / E.sum(axis=0) - Y) / N

    result = ex.check_softmax_ce_gradient(naive)
    assert "logits of size 1000" in result.message
    assert "entry (0, 0) is nan, expected 0.5" in result.message
    assert "subtract each column's largest logit" in result.message


def test_softmax_ce_a_column_for_one_sample_is_a_shape_error():
    result = ex.check_softmax_ce_gradient(
        lambda Y, Z: ce_grad(Y, Z).reshape(Z.shape[0], -1))
    assert "dL/dZ has shape (3, 1) but expected (3,)" in result.message


def test_softmax_ce_accepts_answers_on_the_default_backend(backend):
    from fnnlab.backend import from_numpy

    def answer(Y, Z):
        return from_numpy(ce_grad(Y, Z))          # on the default backend

    made = answer(np.ones(2), np.ones(2))
    assert isinstance(made, np.ndarray) == (backend.name == "numpy")
    result = ex.check_softmax_ce_gradient(answer)
    assert result.passed, result.message


# --- the comparison itself ---------------------------------------------------

@given(
    rows=st.integers(1, 4), cols=st.integers(1, 4),
    data=st.data(),
)
def test_compare_arrays_names_the_changed_entry(rows, cols, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    expected = rng.standard_normal((rows, cols))
    i = data.draw(st.integers(0, rows - 1))
    j = data.draw(st.integers(0, cols - 1))
    got = expected.copy()
    got[i, j] += data.draw(st.sampled_from([1.0, -2.5, 10.0]))
    message = compare_arrays(got, expected)
    assert f"entry ({i}, {j}) is {fmt(got[i, j], expected[i, j])}, expected " \
        f"{fmt(expected[i, j], got[i, j])} (1 of {rows * cols} entr" in message
    assert compare_arrays(expected.copy(), expected) is None


# --- the core-only import ----------------------------------------------------

def test_exercises_import_with_the_core_dependencies_only():
    code = ("import sys, fnnlab.exercises; "
            "print(sorted(m for m in ('matplotlib', 'sympy', 'ipywidgets', "
            "'IPython') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


# --- the chapter -------------------------------------------------------------

@pytest.fixture(scope="module")
def chapter():
    return nbformat.read(CHAPTER, as_version=4)


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_chapter_title_and_every_checker_called(chapter):
    assert chapter.cells[0].source.startswith("# Exercises\n")
    code = "\n".join(c.source for c in chapter.cells if c.cell_type == "code")
    for name in ex.EXERCISES:
        assert f"ex.check_{name}(" in code, name
    assert "NotImplementedError" not in code


def test_chapter_states_each_question_with_the_packaged_choices(chapter):
    text = _markdown(chapter)
    for question in ex.QUESTIONS.values():
        assert question.markdown() in text, question.name


def test_chapter_folds_every_solution(chapter):
    text = _markdown(chapter)
    assert text.count(":::{admonition} Solution\n:class: dropdown") == 13
    for i, cell in enumerate(chapter.cells):
        if cell.cell_type == "code" and "solutions[" in cell.source \
                and "for name in ex.EXERCISES" not in cell.source:
            tags = set(cell.metadata.get("tags", []))
            assert tags & {"hide-input", "hide-cell"}, f"cell {i} is not folded"


def test_chapter_stored_outputs_show_every_solution_passing(chapter):
    last = chapter.cells[-1]
    assert "for name in ex.EXERCISES" in last.source
    text = "".join(o.get("text", "") for o in last.outputs)
    for name in ex.EXERCISES:
        assert f"{name:22} passed" in text
