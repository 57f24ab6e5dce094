"""fnnlab: feedforward neural networks, built the way the course teaches them.

The layout follows the course: :mod:`~fnnlab.backend` (where arrays live),
:mod:`~fnnlab.activations`, :mod:`~fnnlab.network` (the forward pass),
:mod:`~fnnlab.losses`, :mod:`~fnnlab.backprop`, :mod:`~fnnlab.training`,
:mod:`~fnnlab.numerical` (the gradient check) and :mod:`~fnnlab.data`.

Conventions (see the *Preface*): ``W^(l)`` is ``(M_l, M_{l-1})``, a batch
holds one sample per column, and float64 is the default dtype.
"""

from .activations import (
    ACTIVATIONS,
    get_activation,
    identity,
    leaky_relu,
    leaky_relu_derivative,
    log_softmax,
    logistic,
    logistic_derivative,
    relu,
    relu_derivative,
    softmax,
    softmax_jacobian,
    softmax_vjp,
    tanh,
    tanh_derivative,
)
from .backend import (
    asarray,
    get_backend,
    get_namespace,
    set_backend,
    to_numpy,
    use_backend,
)
from ._optional import MissingExtraError
from .backprop import backprop, error_terms, structural_risk
from .data import load_digits, moons, one_hot, spirals, train_test_split, xor
from .errors import (
    BackendError,
    BackendMismatchError,
    BackendUnavailableError,
    FnnlabError,
    ShapeError,
)
from .losses import (
    LOSSES,
    binary_cross_entropy,
    cross_entropy,
    cross_entropy_from_logits,
    frobenius_penalty,
    squared_error,
)
from .network import FNN, ForwardPass
from .numerical import (
    CallCounter,
    central_difference,
    complex_step,
    forward_difference,
    gradient_check,
    gradient_cost,
    numerical_gradient,
    relative_error,
    step_sweep,
)
from .training import History, accuracy, predict, predict_proba, sgd, train

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
