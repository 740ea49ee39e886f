"""Channels, campaigns and CRM workflows, and the one rule that makes their true effect exact.

The rule: a lead becomes an opportunity with probability

    p_i = base[segment_i] + Σ_c lift_c · treated_ic + Σ_w lift_w · enrolled_iw

where ``treated_ic`` is 1 if campaign c reached lead i (not held out as its control) and
``enrolled_iw`` is 1 if workflow w enrolled it (not in the holdout). The effects are additive and
``p_i`` stays far below 1 (checked), so the true incremental opportunities of a campaign are
exactly ``lift_c × (leads it treated)``, and a randomised control or holdout group estimates
``lift_c`` without bias. Campaign assignment and holdouts are independent coin flips, so nothing
else differs between treated and control on average.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from crmroi.synth.accounts import Contacts
from crmroi.synth.plan import (
    ADOPTION,
    BASE_OPPORTUNITY_RATE,
    CONTROL_SHARE,
    DAY,
    END,
    HOLDOUT_SHARE,
    JOURNEY_DAYS_MIN,
    JOURNEY_DAYS_SCALE,
    JOURNEY_DAYS_SHAPE,
    OPPORTUNITY_CAP,
    START,
    Bools,
    Floats,
    Int8s,
    Int32s,
    Ints,
    Seconds,
)


@dataclass(frozen=True)
class Channel:
    """A marketing channel with its planted reach, lift and costs."""

    name: str
    source_system: str
    reach: float
    """Share of leads the channel's campaigns reach."""
    lift: float
    """Mean true lift of its campaigns on the opportunity probability (absolute)."""
    campaigns: int
    cost_per_reach: float
    controlled: bool
    """Whether its campaigns keep a no-contact control group (only CRM-run campaigns can)."""


CHANNELS: tuple[Channel, ...] = (
    Channel("email", "crm", 0.45, 0.020, 4, 15.5, True),
    Channel("paid_search", "google_ads", 0.30, 0.040, 3, 53.0, False),
    Channel("paid_social", "meta_ads", 0.25, 0.010, 3, 21.0, False),
    Channel("display", "google_ads", 0.25, 0.000, 2, 13.5, False),
    Channel("organic_search", "ga4", 0.35, 0.030, 2, 25.5, False),
    Channel("events", "crm", 0.06, 0.080, 3, 152.0, False),
    Channel("webinar", "crm", 0.12, 0.050, 4, 53.0, True),
    Channel("referral", "crm", 0.06, 0.100, 2, 87.0, False),
    Channel("partner", "crm", 0.05, 0.060, 2, 85.0, False),
    Channel("direct_mail", "crm", 0.08, 0.015, 2, 32.0, True),
)
"""Costs per reached lead are calibrated (``docs/synthetic-company.md``, Calibration): total
campaign spend ≈ 10 % of revenue, and each effective channel's planted return on its first-year
contract value a few hundred percent (email and organic highest, paid social, events and direct
mail lowest); display has no effect, so its spend is lost."""


@dataclass(frozen=True)
class Workflow:
    """A CRM automation, switched on after adoption, with its planted lift."""

    name: str
    kind: str
    created: int
    eligible_share: float
    lift: float
    cost: float
    """Build cost (one-off, at ``created``): ``workflows.cost``."""
    cost_per_enrolment: float
    """Running cost per enrolled (not held-out) lead: the content it sends and its share of the
    marketing-automation tier, which is priced by contacts (``docs/synthetic-company.md``,
    Calibration). The ledger spreads it evenly over the months from ``created`` on."""
    needs_channel: str | None = None
    """Only leads treated by this channel are eligible (e.g. event follow-up). Such a channel
    must have no control group: its control leads could not be followed up, so the
    treated-vs-control gap would mix the channel's lift with the workflow's."""


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow("Lead nurture", "nurture", ADOPTION + 14 * DAY, 0.55, 0.015, 12_000.0, 4.5),
    Workflow("Demo request follow-up", "follow_up", ADOPTION + 30 * DAY, 0.30, 0.025, 6_000.0, 3.5),
    Workflow(
        "Event follow-up", "follow_up", ADOPTION + 45 * DAY, 1.0, 0.020, 4_000.0, 10.0, "events"
    ),
    Workflow("Win-back sequence", "sequence", ADOPTION + 120 * DAY, 0.25, 0.0, 5_000.0, 5.5),
)
"""Lifts are a third to a half of a lead's base opportunity chance (+30–50 %), build and
running costs those of agency-built programmes on a contact-priced automation tier: both
calibrated in ``docs/synthetic-company.md`` (Calibration)."""


def workflow_lifts(overrides: Mapping[str, float] | None = None) -> Floats:
    """The planted lift of each workflow, with a preset's overrides by name."""
    given = dict(overrides or {})
    return np.array([given.get(wf.name, wf.lift) for wf in WORKFLOWS])


@dataclass(frozen=True)
class Campaigns:
    """Campaigns of all channels: consecutive time windows within each channel."""

    channel: Ints
    start: Seconds
    end: Seconds
    lift: Floats
    name: tuple[str, ...]


def make_campaigns(
    rng: np.random.Generator, channel_lift: Mapping[str, float] | None = None
) -> Campaigns:
    """Split the horizon into consecutive campaigns per channel; draw each campaign's lift.

    ``channel_lift`` overrides the mean lift of the channels it names (a preset's).
    """
    means = {ch.name: ch.lift for ch in CHANNELS} | dict(channel_lift or {})
    channel, start, end, lift, names = [], [], [], [], []
    for k, ch in enumerate(CHANNELS):  # a dozen channels, not rows
        cuts = np.sort(rng.uniform(0.15, 0.85, ch.campaigns - 1) + np.arange(1, ch.campaigns))
        bounds = (
            START
            + (np.r_[0.0, cuts, ch.campaigns] / ch.campaigns * (END - START) // DAY).astype(
                np.int64
            )
            * DAY
        )
        multiplier = rng.uniform(0.4, 1.6, ch.campaigns)
        multiplier = multiplier / multiplier.mean()
        for j in range(ch.campaigns):
            channel.append(k)
            start.append(bounds[j])
            end.append(bounds[j + 1] - 1)
            lift.append(round(means[ch.name] * multiplier[j], 4))
            year = np.datetime64(int(bounds[j]), "s").astype("datetime64[Y]")
            names.append(f"{ch.name.replace('_', ' ').title()} {year} #{j + 1}")
    return Campaigns(
        np.array(channel), np.array(start), np.array(end), np.array(lift), tuple(names)
    )


@dataclass(frozen=True)
class Journeys:
    """Every lead's exposures, enrolments and opportunity outcome."""

    length: Seconds
    """Time from lead creation to the (potential) opportunity."""
    campaign: Int32s
    """[lead, channel] → campaign index, or -1 when the channel did not reach the lead."""
    control: Bools
    """[lead, channel] → the lead was kept as the campaign's control (no touch, no lift)."""
    enrol: Int8s
    """[lead, workflow] → 0 not eligible, 1 enrolled, 2 holdout."""
    enrolled_at: Seconds
    """[lead, workflow] → enrolment (or holdout assignment) time."""
    probability: Floats
    observable: Bools
    """The opportunity time falls inside the horizon (otherwise it cannot show up)."""
    opportunity: Bools
    """The lead became an opportunity inside the horizon."""
    origin: Ints
    """The channel whose touch created the lead (its lead source), or -1 (direct)."""
    workflow_lift: Floats
    """The planted lift of each workflow (``WORKFLOWS`` order)."""

    @property
    def treated(self) -> Bools:
        """[lead, channel] → the lead was reached by a campaign of the channel (not control)."""
        return np.asarray((self.campaign >= 0) & ~self.control)

    @property
    def enrolled(self) -> Bools:
        """[lead, workflow] → enrolled and not in the holdout."""
        return np.asarray(self.enrol == 1)


def make_journeys(
    contacts: Contacts,
    campaigns: Campaigns,
    rng: np.random.Generator,
    workflow_lift: Mapping[str, float] | None = None,
    holdout_share: float = HOLDOUT_SHARE,
) -> Journeys:
    """Draw who each channel reaches, who each workflow enrols, and who converts.

    ``workflow_lift`` overrides the lift of the workflows it names (a preset's);
    ``holdout_share`` is the share of each workflow's eligible leads kept out as its holdout.
    """
    wf_lift = workflow_lifts(workflow_lift)
    n = contacts.created.size
    length = (
        (JOURNEY_DAYS_MIN + rng.gamma(JOURNEY_DAYS_SHAPE, JOURNEY_DAYS_SCALE, n)) * DAY
    ).astype(np.int64)
    campaign = np.full((n, len(CHANNELS)), -1, dtype=np.int32)
    control = np.zeros((n, len(CHANNELS)), dtype=bool)
    for k, ch in enumerate(CHANNELS):
        reached = rng.random(n) < ch.reach
        ids = np.flatnonzero(campaigns.channel == k)
        which = np.searchsorted(campaigns.start[ids], contacts.created, side="right") - 1
        campaign[reached, k] = ids[which[reached]]
        if ch.controlled:
            control[:, k] = reached & (rng.random(n) < CONTROL_SHARE)
    treated = (campaign >= 0) & ~control
    enrol = np.zeros((n, len(WORKFLOWS)), dtype=np.int8)
    enrolled_at = np.zeros((n, len(WORKFLOWS)), dtype=np.int64)
    channel_index = {ch.name: k for k, ch in enumerate(CHANNELS)}
    for w, wf in enumerate(WORKFLOWS):
        eligible = (contacts.created >= wf.created) & (rng.random(n) < wf.eligible_share)
        if wf.needs_channel is not None:
            eligible &= treated[:, channel_index[wf.needs_channel]]
        holdout = rng.random(n) < holdout_share
        enrol[:, w] = np.where(eligible, np.where(holdout, 2, 1), 0)
        enrolled_at[:, w] = contacts.created + (rng.uniform(0.02, 0.3, n) * length).astype(np.int64)
    lift = np.where(campaign >= 0, campaigns.lift[np.maximum(campaign, 0)], 0.0)
    probability = (
        BASE_OPPORTUNITY_RATE[contacts.segment]
        + (lift * treated).sum(axis=1)
        + (enrol == 1) @ wf_lift
    )
    if probability.max(initial=0.0) > OPPORTUNITY_CAP:  # pragma: no cover - guards the plan
        raise AssertionError("planted lifts exceed the opportunity cap: truth would not be exact")
    observable = contacts.created + length < END
    opportunity = (rng.random(n) < probability) & observable
    priority = np.where(treated, rng.random(treated.shape), -1.0)
    origin = np.where(treated.any(axis=1), priority.argmax(axis=1), -1)
    return Journeys(
        length,
        campaign,
        control,
        enrol,
        enrolled_at,
        probability,
        observable,
        opportunity,
        origin,
        wf_lift,
    )
