"""Field operations: technician visits booked from a contact (the scenario side).

Some needs are only solved by a technician at the customer's premises: a broken
line, a meter, a boiler. A *field* channel (``kind: field``) is not a way customers
get in touch; it is a journey step reached from a contact. An agent who handles a
contact of an intent that needs a visit books an appointment, and the journey is
resolved when the visit that fixes the problem ends. The channel's ``visits``
section says which intents need a visit and how visits go; the top-level
``technicians`` section lists the technician pools (crews) who make them::

    channels:
      engineers:
        kind: field
        visits:
          needed: {faults: 0.35}           # intent -> chance a handled contact books a visit
          territories: {north: 0.5, south: 0.3, east: 0.2}   # customers by territory
          lead_time: 1d                    # earliest appointment: booking time + 1 day
          slot: 2h                         # appointment slots; one visit per technician each
          travel: {dist: lognormal, mean: 40min, cv: 0.4}
          on_site: {dist: lognormal, mean: 75min, cv: 0.5}
          no_show: 0.07                    # customer not at home
          fix: 0.9                         # a visit with the part at hand fixes the fault
          parts: {system: inventory, missing: 0.12, delivery: 2d}
          max_visits: 3
          cost_per_visit: 45
    technicians:
      north_crew:
        size: 6
        territories: [north]
        skills: [faults]
        hours: {start: "08:00", end: "17:00", days: [Mon, Tue, Wed, Thu, Fri]}
        cost_per_hour: 38

The booking rules (the slot calendar, repeats, parts, outages) are described in
:mod:`sim.model.field`; the KPIs in :mod:`sim.metrics.field`. Cross-references
(unknown intents, territories, technician pools, parts systems, a territory and
intent no technician can serve) are checked by :func:`check_field`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.behaviour import Delay, Name, Names, Probability, Seconds
from sim.scenario.distributions import Deterministic
from sim.scenario.errors import unknown_name
from sim.scenario.timing import TimeOfDay
from sim.scenario.units import WEEKDAYS

if TYPE_CHECKING:
    from sim.scenario.schema import Channel, Scenario

Add = Callable[[Sequence[str | int], str], None]

SHARE_TOLERANCE = 1e-6
DEFAULT_TERRITORY = "default"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class WorkingHours(Model):
    """A block of working time on some weekdays (``end`` after ``start``, same day)."""

    start: TimeOfDay
    end: TimeOfDay
    days: tuple[str, ...] = WEEKDAYS[:5]
    """Weekdays (``Mon`` .. ``Sun``); omitted: Monday to Friday."""

    @model_validator(mode="after")
    def _check(self) -> WorkingHours:
        bad = [d for d in self.days if str(d).lower()[:3] not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use Mon, Tue, ... Sun")
        if self.end <= self.start:
            raise ValueError("working hours must end after they start on the same day "
                             "(give two blocks for a night shift)")
        return self

    @property
    def day_indices(self) -> tuple[int, ...]:
        return tuple(sorted({WEEKDAYS.index(str(d).lower()[:3]) for d in self.days}))


def _blocks(value: Any) -> Any:
    """One block of hours may be written without the list."""
    return [value] if isinstance(value, dict) else value


Hours = Annotated[tuple[WorkingHours, ...], BeforeValidator(_blocks)]


class TechnicianPool(Model):
    """A pool (crew) of technicians with the same hours, territories and skills."""

    channel: Name | None = None
    """The field channel whose visits they make (omitted: the scenario's only one)."""
    size: int = Field(ge=0, le=10_000)
    """Technicians in the pool."""
    hours: Hours = Field(min_length=1)
    """Working hours: ``{start: "08:00", end: "17:00", days: [Mon, ..., Fri]}`` or a
    list of such blocks. Each block holds as many appointment slots as fit in it."""
    territories: Names | None = None
    """Territories they serve (omitted: all of the channel's)."""
    skills: Names | None = None
    """Intents they can fix (omitted: all)."""
    cost_per_hour: float = Field(default=0.0, ge=0)
    """Cost of a technician's working hour (paid whether busy or not)."""
    description: str = ""


class Parts(Model):
    """Parts the technician needs, held in a backstage inventory system."""

    system: Name | None = None
    """A ``backstage`` system holding the inventory; while it is down at dispatch,
    ``on_outage`` applies. Omitted: no system (outages never matter)."""
    missing: Probability = 0.0
    """Chance a visit finds it needs a part the technician does not carry: the part is
    ordered and another visit is booked (which brings it)."""
    delivery: Seconds = 0.0
    """Time to get an ordered part: the repeat visit is at least this far ahead."""
    on_outage: Literal["delay", "missing"] = "delay"
    """Inventory down when a technician sets off: ``delay`` — wait at the depot until it
    is back (checking every ``recheck``); ``missing`` — leave without reserving: the
    visit lacks its part (unless ordered before) and a repeat visit is needed."""
    recheck: Seconds = Field(default=900.0, ge=60)
    """How often a waiting technician checks whether the inventory is back (at least
    1min: each check is an event for every waiting technician)."""


class Visits(Model):
    """The settings of a field channel: which needs take a visit, and how visits go."""

    needed: dict[Name, Probability] = Field(min_length=1)
    """Intent -> chance that an agent-handled contact of it needs a visit (the agent
    books one instead of resolving the need on the contact)."""
    territories: dict[Name, Probability] = Field(
        default_factory=lambda: {DEFAULT_TERRITORY: 1.0})
    """Territory -> share of the customers who live there (shares add up to 1);
    omitted: one territory everybody is in."""
    lead_time: Seconds = 86400.0
    """Minimum booking lead: the earliest slot offered starts at least this long after
    the booking."""
    slot: Seconds = Field(default=7200.0, ge=60)
    """Length of an appointment slot (the customer's arrival window, at least 1min);
    each technician makes at most one visit per slot."""
    booking_window: Seconds = Field(default=90 * 86400.0, gt=0, le=366 * 86400.0)
    """How far ahead the calendar is open (at most a year): with no free slot within
    it, the booking fails and the need stays unresolved."""
    travel: Delay
    """Travel time to the customer (from the start of the slot, or the end of the
    technician's previous visit if it overran)."""
    on_site: Delay
    """Time on site."""
    no_show: Probability = 0.0
    """Chance the customer is not at home: another visit is booked."""
    no_show_wait: Delay = Deterministic.model_validate({"dist": "deterministic",
                                                        "value": "10min"})
    """Time the technician waits at the door before giving up."""
    fix: float | dict[Name, float] = 1.0
    """Chance a visit (customer at home, part at hand) fixes the fault, or by intent
    ``{faults: 0.85, install: 0.95}`` (unlisted: 1). A failed visit is rebooked."""
    parts: Parts | None = None
    """Parts and the inventory system (omitted: parts are never missing)."""
    max_visits: int = Field(default=3, ge=1, le=50)
    """Visits per need at most; after that the need stays unresolved."""
    cost_per_visit: float = Field(default=0.0, ge=0)
    """Cost of each visit made (van, mileage), besides the technicians' hours."""

    @model_validator(mode="after")
    def _shares(self) -> Visits:
        fixes = self.fix.items() if isinstance(self.fix, dict) else [("", self.fix)]
        for intent, p in fixes:
            if not 0 <= p <= 1:
                where = f" for '{intent}'" if intent else ""
                raise ValueError(f"fix{where} is {p:g}; it must be between 0 and 1")
        total = sum(self.territories.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"territory shares add up to {total:g}; they must add up to 1")
        return self

    def fix_p(self, intent: str) -> float:
        """The chance a visit of ``intent`` fixes the fault when nothing else goes wrong."""
        if isinstance(self.fix, dict):
            return self.fix.get(intent, 1.0)
        return float(self.fix)


#: Channel fields that make no sense for a field channel (nobody queues on it).
_NOT_FOR_FIELD = ("patience", "queue_capacity", "service_level_target", "cost_per_contact")


def channel_rules(channel: Channel) -> None:
    """Raise ``ValueError`` when ``visits`` and ``kind: field`` do not go together."""
    if channel.kind != "field":
        if channel.visits is not None:
            raise ValueError(f"'visits' applies to field channels only (this channel is "
                             f"{channel.kind})")
        return
    if channel.visits is None:
        raise ValueError("a field channel needs 'visits' (which intents need a technician "
                         "visit, travel and on-site times)")
    for key in _NOT_FOR_FIELD:
        if key in channel.model_fields_set and getattr(channel, key):
            hint = " (use visits.cost_per_visit)" if key == "cost_per_contact" else ""
            raise ValueError(f"'{key}' does not apply to a field channel: customers do not "
                             f"queue on it, they get an appointment{hint}")


def field_channels(sc: Scenario) -> list[str]:
    """Names of the scenario's field channels, in file order."""
    return [n for n, c in sc.channels.items() if c.kind == "field"]


def pool_channel(sc: Scenario, pool: TechnicianPool) -> str | None:
    """The field channel a technician pool works for (None if it cannot be told)."""
    if pool.channel is not None:
        return pool.channel
    names = field_channels(sc)
    return names[0] if len(names) == 1 else None


def parts_only_systems(sc: Scenario) -> frozenset[str]:
    """Backstage systems named as a parts inventory whose ``needed_by`` is omitted:
    frontstage contacts do not use them (they are the technicians' business)."""
    named = {c.visits.parts.system for c in sc.channels.values()
             if c.visits is not None and c.visits.parts is not None
             and c.visits.parts.system is not None}
    return frozenset(n for n in named
                     if n in sc.backstage and "needed_by" not in sc.backstage[n].model_fields_set)



def check_field(sc: Scenario, add: Add) -> None:
    """Cross-references of field channels and technician pools (see the module)."""
    fields = field_channels(sc)
    for i, line in enumerate(sc.demand):
        if line.channel in fields:
            add(("demand", i, "channel"),
                f"'{line.channel}' is a field channel: customers reach it through a contact "
                "(an agent books a visit, see 'visits.needed'), not from a demand line")
    for name, pool in sc.pools.items():
        for j, ch in enumerate(pool.channels):
            if ch in fields:
                add(("pools", name, "channels", j),
                    f"'{ch}' is a field channel: its visits are made by 'technicians', not by "
                    "an agent pool; remove it from this pool's 'channels'")
    if sc.recontact is not None:
        for src, row in sc.recontact.channel_switch.items():
            for to in row:
                if to in fields:
                    add(("recontact", "channel_switch", src, to),
                        f"'{to}' is a field channel: customers cannot contact it")
    if fields and not sc.technicians:
        add(("channels", fields[0]), "a field channel needs technicians: add a "
            "'technicians' section with at least one technician pool")
    needed_by: dict[str, str] = {}
    for ch_name in fields:
        visits = sc.channels[ch_name].visits
        assert visits is not None
        for intent in visits.needed:
            where = ("channels", ch_name, "visits", "needed", intent)
            if intent not in sc.intents:
                add(where, unknown_name("intent", intent, sc.intents, "intents"))
            elif intent in needed_by:
                add(where, f"intent '{intent}' already books visits on field channel "
                           f"'{needed_by[intent]}'; an intent books visits on one channel")
            else:
                needed_by[intent] = ch_name
        if isinstance(visits.fix, dict):
            for intent in visits.fix:
                if intent not in sc.intents:
                    add(("channels", ch_name, "visits", "fix", intent),
                        unknown_name("intent", intent, sc.intents, "intents"))
        parts = visits.parts
        if parts is not None and parts.system is not None and parts.system not in sc.backstage:
            where = ("channels", ch_name, "visits", "parts", "system")
            if not sc.backstage:
                add(where, f"unknown backstage system '{parts.system}': declare it under "
                           "'backstage' (e.g. an inventory with its latency)")
            else:
                add(where, unknown_name("backstage system", parts.system, sc.backstage,
                                    "backstage"))
    _check_pools(sc, fields, add)


def check_field_coverage(sc: Scenario, add: Add) -> None:
    """Every territory and needed intent has technicians who can make the visit
    (reported after unknown names, which are the likelier cause)."""
    _check_coverage(sc, field_channels(sc), add)


def _check_pools(sc: Scenario, fields: list[str], add: Add) -> None:
    for name, pool in sc.technicians.items():
        if name in sc.pools:
            add(("technicians", name), f"'{name}' is also an agent pool; give the technician "
                                       "pool its own name (both are reported by pool)")
        if not fields:
            add(("technicians", name), "technicians make visits for a field channel, and "
                "there is none: add a channel with 'kind: field' and 'visits'")
            continue
        ch_name = pool_channel(sc, pool)
        if ch_name is None:
            add(("technicians", name), "there are several field channels ("
                + ", ".join(fields) + "); say which one with 'channel:'")
            continue
        if ch_name not in fields:
            add(("technicians", name, "channel"), f"'{ch_name}' is not a field channel"
                if ch_name in sc.channels else unknown_name("channel", ch_name, fields, "channels"))
            continue
        visits = sc.channels[ch_name].visits
        assert visits is not None
        for j, t in enumerate(pool.territories or ()):
            if t not in visits.territories:
                add(("technicians", name, "territories", j),
                    unknown_name("territory", t, visits.territories,
                             f"channels.{ch_name}.visits.territories"))
        for j, intent in enumerate(pool.skills or ()):
            if intent not in sc.intents:
                add(("technicians", name, "skills", j),
                    unknown_name("intent", intent, sc.intents, "intents"))
        for j, block in enumerate(pool.hours):
            if block.end - block.start < visits.slot - 1e-9:
                add(("technicians", name, "hours", j),
                    f"these hours are shorter than one appointment slot "
                    f"({visits.slot / 3600:g}h): no visit fits in them")
            for other in pool.hours[:j]:
                shared = set(block.day_indices) & set(other.day_indices)
                if shared and block.start < other.end and other.start < block.end:
                    add(("technicians", name, "hours", j),
                        f"these hours overlap another block on {WEEKDAYS[min(shared)].capitalize()}"
                        "; give each working time once")


def _check_coverage(sc: Scenario, fields: list[str], add: Add) -> None:
    """Every territory and needed intent has technicians who can make the visit."""
    for ch_name in fields:
        visits = sc.channels[ch_name].visits
        assert visits is not None
        pools = [p for p in sc.technicians.values()
                 if pool_channel(sc, p) == ch_name and p.size > 0]
        for intent, p_need in visits.needed.items():
            if intent not in sc.intents or p_need <= 0:
                continue
            for territory, share in visits.territories.items():
                if share <= 0:
                    continue
                if not any((p.territories is None or territory in p.territories)
                           and (p.skills is None or intent in p.skills) for p in pools):
                    add(("channels", ch_name, "visits", "needed", intent),
                        f"no technician pool can fix '{intent}' in territory '{territory}': "
                        "add the territory and the intent to a pool in 'technicians'")
                    break


def describe_field(sc: Scenario) -> list[str]:
    """Lines for ``servicesim validate``: field channels and technician pools."""
    from sim.scenario.units import format_duration

    if not sc.technicians:
        return []
    out = ["Field visits"]
    for ch_name in field_channels(sc):
        v = sc.channels[ch_name].visits
        assert v is not None
        needs = ", ".join(f"{i} {p:.0%}" for i, p in v.needed.items())
        out.append(f"  {ch_name}: visits for {needs}; lead {format_duration(v.lead_time)}, "
                   f"{format_duration(v.slot)} slots; no-show {v.no_show:.0%}; "
                   f"at most {v.max_visits} visits")
    out.append("Technicians")
    w = max(len(n) for n in sc.technicians)
    for name, pool in sc.technicians.items():
        hours = "; ".join(_block_text(b) for b in pool.hours)
        where = "all territories" if pool.territories is None else ", ".join(pool.territories)
        skills = "all intents" if pool.skills is None else ", ".join(pool.skills)
        out.append(f"  {name:<{w}}  {pool.size} technicians; {where}; {skills}; {hours}")
    return out


def _block_text(block: WorkingHours) -> str:
    """``'Mon-Fri 08:00-17:00'`` (or ``'Mon, Wed 08:00-12:00'``)."""
    days = block.day_indices
    names = [WEEKDAYS[d].capitalize() for d in days]
    span = (f"{names[0]}-{names[-1]}" if len(days) > 2 and days[-1] - days[0] == len(days) - 1
            else ", ".join(names))

    def clock(t: float) -> str:
        return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"

    return f"{span} {clock(block.start)}-{clock(block.end)}"
