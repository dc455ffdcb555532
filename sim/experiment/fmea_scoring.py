"""FMEA scoring: severity, occurrence and detection ratings (1-10) and the RPN.

As in FMEA practice (IEC 60812, AIAG), each failure mode gets three ratings on a
1-10 scale and the *risk priority number* ``RPN = severity x occurrence x
detection`` (1-1000). The ratings here are read off the simulation:

Severity (per occurrence) — what one failure does to customers
    Counted against a baseline without outages on common random numbers; an
    effect counts only when its paired 95% CI excludes zero (noise is not harm),
    and only in the harmful direction (a failure is never rated as a benefit: the
    lowest rating is 1, "no effect").

    * **Customers lost** — journeys that ended unresolved (the customer abandoned,
      was blocked or was failed and did not come back, or gave up after retries)
      beyond the baseline — set the rating, by their share of the customers who
      came while the target was down:

      ====  ==============================
      10    50% or more of them lost
      9     25% or more
      8     10% or more
      7     5% or more
      6     1% or more
      5     some lost (less than 1%)
      ====  ==============================

    * With no customer lost (or a loss not significant): **customers turned away**
      (extra abandoned and blocked contacts, the customer then coming back or not):
      4 when they are 10% or more of the customers who came while it was down,
      else 3;
    * with none turned away: **service degraded** (resolution latency, recontact
      rate, retry rate or effort significantly worse): 2;
    * no significant harm: 1.

    So a failure that loses customers always rates above one that only delays
    them, and more lost customers never lower the rating.

Occurrence — how often it fails, from ``per_year`` (:data:`OCCURRENCE_BANDS`):
    1 at most once in 10 years ... 3 about once a year ... 6 monthly, 7 weekly,
    8 daily, 10 more than ten times a day.

Detection — how likely the failure is caught before it reaches customers
    (1 = almost certainly, 10 = not at all). The simulator cannot judge a
    monitoring set-up: it is the planner's input (``--detection TARGET=N``);
    without it every mode gets 1 (an outage of a channel, team or system is
    obvious at once), which leaves the ranking to severity x occurrence.

Ranking: by RPN, then severity, then lost customers a year. As practice
recommends, a severity of 9 or 10 deserves action whatever the RPN; the
outputs flag it.
"""

from __future__ import annotations

import math
from typing import Any

#: ``(upper bound of occurrences per year, rating)``, first match wins.
OCCURRENCE_BANDS: tuple[tuple[float, int], ...] = (
    (0.1, 1),      # once in 10 years or less
    (0.3, 2),      # once in 3-10 years
    (1.0, 3),      # about once a year
    (3.0, 4),      # a few times a year
    (6.0, 5),      # every two to four months
    (13.0, 6),     # up to monthly (mtbf 28d or more)
    (53.0, 7),     # up to weekly (mtbf 7d or more)
    (366.0, 8),    # up to daily
    (3660.0, 9),   # up to ten times a day
)

#: ``(lowest share of exposed customers lost, rating)``, first match wins.
LOSS_BANDS: tuple[tuple[float, int], ...] = (
    (0.50, 10), (0.25, 9), (0.10, 8), (0.05, 7), (0.01, 6))
LOSS_SOME = 5
TURNED_AWAY_MAJOR_SHARE = 0.10
TURNED_AWAY_MAJOR, TURNED_AWAY_MINOR = 4, 3
DEGRADED = 2
NO_EFFECT = 1
DEFAULT_DETECTION = 1
ACT_ANYWAY_SEVERITY = 9

#: One line per severity rating, for reports and ``--help``.
SEVERITY_SCALE: tuple[tuple[int, str], ...] = (
    (10, "50%+ of the customers who came while it was down lost"),
    (9, "25%+ lost"),
    (8, "10%+ lost"),
    (7, "5%+ lost"),
    (6, "1%+ lost"),
    (5, "some customers lost"),
    (4, "no significant loss; extra abandoned + blocked contacts 10%+ of those who came"),
    (3, "no significant loss; some extra abandoned or blocked contacts"),
    (2, "none lost or turned away; slower resolution, more recontacts/retries or effort"),
    (1, "no significant effect"),
)


def harm(diff: float, ci_low: float) -> float:
    """The harmful part of a paired difference: ``diff`` if its CI lies above 0, else 0."""
    if not (math.isfinite(diff) and math.isfinite(ci_low)) or ci_low <= 0.0:
        return 0.0
    return max(diff, 0.0)


def share(part: float, whole: float) -> float:
    """``part / whole`` in [0, 1]; 1 when there is a part but no whole."""
    if part <= 0.0:
        return 0.0
    if not whole > 0.0:
        return 1.0
    return min(part / whole, 1.0)


def severity(lost: float, exposed: float, turned_away: float = 0.0,
             degraded: bool = False) -> int:
    """Severity rating 1-10 of one occurrence (see the module docstring).

    Parameters
    ----------
    lost
        Extra customers lost per occurrence (0 when not significant).
    exposed
        Customers who came while the target was down.
    turned_away
        Extra abandoned and blocked contacts per occurrence (0 when not significant).
    degraded
        Whether latency, recontacts, retries or effort got significantly worse.
    """
    if lost > 0.0:
        lost_share = share(lost, exposed)
        for lowest, rating in LOSS_BANDS:
            if lost_share >= lowest:
                return rating
        return LOSS_SOME
    if turned_away > 0.0:
        return (TURNED_AWAY_MAJOR if share(turned_away, exposed) >= TURNED_AWAY_MAJOR_SHARE
                else TURNED_AWAY_MINOR)
    return DEGRADED if degraded else NO_EFFECT


def occurrence(per_year: float) -> int:
    """Occurrence rating 1-10 from the failures a year."""
    for upper, rating in OCCURRENCE_BANDS:
        if per_year <= upper:
            return rating
    return 10


def check_detection(rating: int) -> int:
    """A detection rating, or ``ValueError`` unless it is a whole number 1-10."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 10:
        raise ValueError(f"a detection rating is a whole number from 1 to 10, not {rating!r}")
    return rating


def rpn(severity_rating: int, occurrence_rating: int, detection_rating: int) -> int:
    """Risk priority number: severity x occurrence x detection (1-1000)."""
    return int(severity_rating) * int(occurrence_rating) * int(detection_rating)


def scoring_doc() -> dict[str, Any]:
    """The scales behind ``severity``, ``occurrence``, ``detection`` and ``rpn``."""
    return {
        "rpn": "severity x occurrence x detection, each rated 1-10",
        "severity": {str(r): text for r, text in SEVERITY_SCALE},
        "severity_rule": "effects count only when their paired 95% CI excludes zero, "
                         "and only in the harmful direction",
        "occurrence": [{"per_year_at_most": upper, "rating": r}
                       for upper, r in OCCURRENCE_BANDS]
                      + [{"per_year_at_most": None, "rating": 10}],
        "detection": "1 = failure almost certainly caught before customers feel it, "
                     "10 = not at all; the planner's input (default "
                     f"{DEFAULT_DETECTION})",
        "ranking": "rpn, then severity, then lost customers a year",
        "act_anyway_severity": ACT_ANYWAY_SEVERITY,
    }
