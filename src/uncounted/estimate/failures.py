"""Numerical failures inside an estimator, turned into refusals and warnings instead of crashes.

A sparse stratum, a bootstrap replicate that empties a list or a count of 10^12 can make a
linear system singular, an optimiser leave its bracket or a float overflow. None of that is a
bug in the user's data, and none of it may cost the other methods, replicates or strata their
numbers: the place that owns the work (a fit, a replicate, a method in the ensemble, a stratum)
catches these errors, says what failed and why, and the rest goes on.
"""

from __future__ import annotations

from uncounted.core.errors import UncountedError

#: Errors that numerical code raises on data it cannot handle: singular matrices
#: (``numpy.linalg.LinAlgError`` is a ``ValueError``), overflow and division by zero
#: (``ArithmeticError``), root finders and optimisers that fail (``ValueError``,
#: ``RuntimeError``), arrays too large for memory (``MemoryError``).
NUMERICAL_ERRORS: tuple[type[BaseException], ...] = (
    ArithmeticError,
    ValueError,
    RuntimeError,
    MemoryError,
)


class NumericalFailure(UncountedError):
    """A computation could not be carried out on this table (not a problem the user caused)."""


def describe(problem: BaseException) -> str:
    """One line naming what failed: the error's type and its message."""
    if isinstance(problem, UncountedError):
        return problem.message
    text = str(problem).strip() or "no message"
    return f"{type(problem).__name__}: {text}"


def numerical_refusal(what: str, problem: BaseException) -> str:
    """The reason a method or stratum gives when a numerical failure stopped it."""
    return f"numerical failure in {what} ({describe(problem)}); the other results are unaffected"


#: What a method in the ensemble or a stratum turns into a refusal (:func:`refusal_reason`):
#: errors that say what the user can change, and numerical failures.
REFUSABLE: tuple[type[BaseException], ...] = (UncountedError, *NUMERICAL_ERRORS)


def refusal_reason(what: str, problem: BaseException) -> str:
    """Why ``what`` gives no number when ``problem`` stopped it: an :class:`UncountedError`
    says why itself; anything else is a numerical failure (:func:`numerical_refusal`)."""
    if isinstance(problem, UncountedError):
        return problem.message
    return numerical_refusal(what, problem)


#: What the owner of a piece of work catches: the raw errors above and the failures that the
#: estimators' own numerical code has already put into words.
RECOVERABLE: tuple[type[BaseException], ...] = (NumericalFailure, *NUMERICAL_ERRORS)
