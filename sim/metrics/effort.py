"""Customer effort: a transparent score of how hard a journey was for the customer.

Why a model and not a survey
----------------------------
The Customer Effort Score (CES) asks customers, on a 1..7 scale, how easy it was
to get their issue resolved. Studies of what drives the answer (Dixon, Freeman and
Toman, "Stop Trying to Delight Your Customers", HBR 2010; the CEB/Gartner effort
research behind it) keep finding the same few drivers: having to contact the
company more than once, being transferred, switching channels, having to repeat
information, waiting, and self-service that fails and pushes the customer to
another channel. A simulation knows each of these exactly, per journey, so the
score here is built from them and nothing else, with weights the planner can see
and change (``effort:`` in the scenario, :class:`sim.scenario.behaviour.Effort`).

The score
---------
For a journey with driver counts ``d_k`` and weights ``w_k``::

    x      = sum_k w_k * d_k
    effort = 1 + 6 * (1 - exp(-x / 6))

* ``x = 0`` (one contact, answered at once, resolved, nothing repeated) gives 1,
  "effortless";
* for small ``x`` the score is about ``1 + x``, so a weight reads as "points on
  the 1..7 scale" for the first few frictions;
* it saturates towards 7 ("very hard") and never leaves [1, 7]; it rises strictly
  with every driver that has a positive weight (``d effort / d x = exp(-x/6) > 0``).

Drivers (per journey) and default weights
-----------------------------------------
==================== ======================================================= =======
driver               what is counted                                          weight
==================== ======================================================= =======
contacts             customer contacts beyond the first (repeats, the live   0.6
                     contact after a failed bot session)
transfers            transfers between departments                            0.4
channel_switches     changes of channel from one customer contact to the     0.3
                     next
repeated_info        contacts on which the customer repeated themselves      0.8
                     (context lost)
waiting_per_min      minutes on hold: queue waits while on the line (not     0.1
                     back-office queues the customer is not part of)
failed_self_service  self-service / bot sessions that did not contain        0.5
unresolved           the journey ended without resolution (counted once)     1.5
visits               technician visits made (field channels: the customer    0.5
                     stays in for the appointment window, see
                     :mod:`sim.scenario.field`)
==================== ======================================================= =======

Why these defaults: the effort research ranks *repeating information* and *having
to recontact* as the strongest drivers (hence 0.8 and 0.6, and 1.5 for a need
never resolved, the worst outcome); transfers and channel switches come next;
a 10-minute hold costs about one point; a failed bot session adds 0.5 on top of
the extra contact and channel switch it causes. With the defaults, a journey that
needed a second call after a transfer and 5 minutes on hold scores about
``1 + 6(1 - e^{-1.5/6}) = 2.3``; one that failed in the bot, waited 10 minutes on
the phone and had to repeat everything scores about 3.5.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.scenario.behaviour import Effort

__all__ = ["DRIVERS", "default_weights", "effort_score", "effort_x"]

#: Driver names, as the keys of the ``effort:`` weights.
DRIVERS: tuple[str, ...] = tuple(Effort.model_fields)

SCALE = 6.0  # the score spans 1..7


def default_weights() -> dict[str, float]:
    """The documented default weights (``effort:`` omitted)."""
    return Effort().model_dump()


def effort_x(drivers: Mapping[str, np.ndarray], weights: Mapping[str, float] | None = None
             ) -> np.ndarray:
    """The weighted sum ``x`` of the drivers (arrays of equal length, one per journey)."""
    w = default_weights() if weights is None else {**default_weights(), **weights}
    x: np.ndarray | float = 0.0
    for name in DRIVERS:
        if name in drivers:
            x = x + w[name] * np.asarray(drivers[name], dtype=float)
    return np.asarray(x, dtype=float)


def effort_score(drivers: Mapping[str, np.ndarray],
                 weights: Mapping[str, float] | None = None) -> np.ndarray:
    """Effort score per journey on 1..7: ``1 + 6 * (1 - exp(-x / 6))``.

    Parameters
    ----------
    drivers : mapping of str to ndarray
        Per-journey counts keyed by :data:`DRIVERS` (missing drivers count 0).
    weights : mapping, optional
        Weights by driver (missing: the defaults).
    """
    x = effort_x(drivers, weights)
    return 1.0 + SCALE * -np.expm1(-x / SCALE)
