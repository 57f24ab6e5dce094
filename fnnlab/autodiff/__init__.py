"""Computing gradients automatically.

* :mod:`~fnnlab.autodiff.forward`: forward mode with dual numbers
  (``Dual``, ``DualArray``), one pass per input direction;
* :mod:`~fnnlab.autodiff.reverse`: reverse mode on a computational graph
  of array nodes (``Tensor``), one pass for a scalar output;
* :mod:`~fnnlab.autodiff.nn`: the course's FNN differentiated by that
  engine;
* :mod:`~fnnlab.autodiff.static`: static graphs (traced once, optimized,
  run many times) beside dynamic ones (define by run);
* :mod:`~fnnlab.autodiff.draw`: drawing a graph with its forward values;
* :mod:`~fnnlab.autodiff.worked_example`: the source's example
  ``f(x; w, b) = 1 / (exp(-(w x + b)) + 1)``, written once against a small
  ``OperatorOps`` interface so floats, dual numbers and graph nodes all run
  the same code.

Chapter: *Computing gradients automatically*.
"""
