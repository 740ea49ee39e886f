"""Nested attribution (channel → campaign → workflow): by hand, known truth and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmroi.attribution import attribute_journeys
from crmroi.attribution.hierarchy import NO_KEY, labels, tree
from crmroi.attribution.models import MODELS
from crmroi.attribution.paths import BASELINE, Journeys, from_sequences

Path = tuple[str, ...]
NESTING_MODELS = tuple(m for m in MODELS if not m.startswith("markov"))


def nested(sequences: list[list[Path]], conversions: list[float], values: list[float]) -> Journeys:
    """Journeys whose keys are (channel, campaign[, workflow]) paths, like ``build_journeys``."""
    paths = sorted({p for seq in sequences for p in seq})
    keys, names, parents, direct = tree(paths)
    index = {p: i for i, p in enumerate(paths)}
    lengths = [len(s) for s in sequences]
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Journeys(
        keys=keys,
        names=names,
        offsets=offsets,
        codes=np.array([index[p] for s in sequences for p in s], dtype=np.int32),
        conversions=np.asarray(conversions, dtype=np.float64),
        nulls=1.0 - np.asarray(conversions, dtype=np.float64),
        value=np.asarray(values, dtype=np.float64),
        direct=direct,
        parents=parents,
    )


def own_label(table: pd.DataFrame) -> pd.Series:
    """The label a row's children carry as their ``parent`` (``email > Newsletter``)."""
    parent, name, key = table["parent"], table["channel"], table["key"]
    label = np.where(parent.isna(), name, np.where(key == NO_KEY, parent, parent + " > " + name))
    return pd.Series(label, index=table.index)


def by_parent(table: pd.DataFrame, column: str = "revenue") -> pd.Series:
    """A finer level's column summed per parent label, the baseline kept as is."""
    return table[column].groupby(table["parent"].fillna(BASELINE)).sum()


def by_own(table: pd.DataFrame, column: str = "revenue") -> pd.Series:
    """A coarser level's column per row label (what its children should add up to)."""
    return table[column].groupby(own_label(table)).sum()


# -- oracles -------------------------------------------------------------------------------
def test_tree_parents_labels_and_direct() -> None:
    """A campaign under two channels is two keys; a workflow outside a campaign reads as
    inside its channel; a key is direct when its channel is."""
    keys, names, parents, direct = tree(
        [("direct", NO_KEY), ("email", NO_KEY), ("email", "K1"), ("search", "K1")],
        [("direct", "(no campaign)"), ("email", "(no campaign)"), ("email", "Spring"),
         ("search", "Spring")],
    )  # fmt: skip
    assert keys == (NO_KEY, NO_KEY, "K1", "K1")
    assert names == ("(no campaign)", "(no campaign)", "Spring", "Spring")
    assert parents is not None and parents.keys == ("direct", "email", "search")
    assert list(parents.code) == [0, 1, 1, 2]
    assert labels(parents, 4) == ("direct", "email", "email", "search")
    assert direct == frozenset({0})
    _, _, deep, _ = tree([("crm", NO_KEY, "W1"), ("email", "K1", "W1"), ("email", "K1", NO_KEY)])
    assert deep is not None and deep.above is not None
    assert deep.keys == (NO_KEY, "K1") and deep.above.keys == ("crm", "email")
    assert labels(deep, 3) == ("crm", "email > K1", "email > K1")
    assert labels(None, 3) == ()
    assert tree([("a", "k"), ("b", "k")])[2] == tree([("a", "k"), ("b", "k")])[2]  # by value
    assert tree([("a", "k"), ("b", "k")])[2] != tree([("a", "k"), ("a", "j")])[2]


def test_simplified_nests_by_hand() -> None:
    """J1 = email/A, email/B, search/S won 12; J2 = email/A won 6; J3 = search/S lost.

    Channels (equal split over J1's two channels): email 6 + 6 = 12, search 6.
    Email's split (a model over A, B and one key for every other touch, on all journeys):
    J1 {A, B, other} gives A and B 12/3 = 4 each; J2 {A} gives A 6; so W = (10, 4) and
    email's 12 goes A 12·10/14 = 60/7, B 24/7. Search has one campaign: S 6.
    Per deal, J1's email half is split by J1's own within-email values (A 1/3 : B 1/3):
    A 3, B 3 — so per-deal sums (A 9, B 3) match the table per channel, not per campaign.
    A flat run over the campaigns would give A 4 + 6 = 10, B 4, S 4.
    """
    j = nested(
        [[("email", "A"), ("email", "B"), ("search", "S")], [("email", "A")], [("search", "S")]],
        [1, 1, 0],
        [12.0, 6.0, 0.0],
    )
    result = attribute_journeys(j, models=("shapley_simplified",), bootstrap=0, level="campaign")
    table = result.table("shapley_simplified").set_index("key")
    assert table["revenue"].to_dict() == pytest.approx(
        {"A": 60 / 7, "B": 24 / 7, "S": 6.0, BASELINE: 0.0}
    )
    assert table.loc["A", "parent"] == "email" and table.loc["S", "parent"] == "search"
    credits = result.credits("shapley_simplified")
    assert credits.groupby("key")["credit"].sum().to_dict() == pytest.approx(
        {"A": 9.0, "B": 3.0, "S": 6.0}
    )
    assert credits.groupby("parent")["credit"].sum().to_dict() == pytest.approx(
        {"email": 12.0, "search": 6.0}
    )


def test_one_child_takes_the_parent() -> None:
    """A channel with one campaign gives it the channel's credit: data_driven at campaign
    level with one campaign per channel equals the channel-level run."""
    rng = np.random.default_rng(4)
    channels = ["email", "search", "social"]
    seqs = [[str(c) for c in rng.choice(channels, size=rng.integers(0, 4))] for _ in range(400)]
    won = (rng.random(400) < 0.3).astype(float)
    values = won * rng.uniform(1, 10, 400)
    flat = attribute_journeys(from_sequences(seqs, won, 1 - won, values), bootstrap=0)
    deep = attribute_journeys(
        nested([[(c, f"{c}-1") for c in s] for s in seqs], list(won), list(values)),
        bootstrap=0,
    )
    left = flat.table().set_index("channel")["share"]
    right = by_parent(deep.table(), "share")
    assert right.reindex(left.index).to_numpy() == pytest.approx(left.to_numpy(), abs=1e-12)


# -- known truth ---------------------------------------------------------------------------
NODES = (
    # channel, campaign, share of touches, true effect (added conversion probability)
    ("direct", NO_KEY, 0.10, 0.0),
    ("email", NO_KEY, 0.08, 0.004),
    ("email", "newsletter", 0.14, 0.020),
    ("email", "promo", 0.10, 0.0),
    ("paid_search", "brand", 0.12, 0.040),
    ("paid_search", "generic", 0.16, 0.010),
    ("social", "spring", 0.12, 0.012),
    ("webinar", "q1", 0.04, 0.050),
    ("webinar", "q2", 0.04, 0.025),
    ("display", "retarget", 0.10, 0.003),
)
BASE_RATE = 0.02


def campaign_world(n: int, seed: int) -> tuple[Journeys, np.ndarray]:
    """Journeys of Poisson(3.5) touches over the campaigns of ``NODES``; p = b + Σ e_k over
    the campaigns touched. Truth per campaign: n_k e_k / Σ_j p_j (n_k journeys touched k),
    baseline n b / Σ_j p_j — the additive world's Shapley split, one level finer."""
    rng = np.random.default_rng(seed)
    paths = [(c, k) for c, k, _, _ in NODES]
    keys, names, parents, direct = tree(paths)
    popularity = np.array([x[2] for x in NODES])
    effects = np.array([x[3] for x in NODES])
    lengths = rng.poisson(3.5, n)
    codes = rng.choice(len(NODES), size=int(lengths.sum()), p=popularity / popularity.sum())
    touched = np.zeros((n, len(NODES)), bool)
    touched[np.repeat(np.arange(n), lengths), codes] = True
    won = (rng.random(n) < BASE_RATE + touched @ effects).astype(np.float64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    journeys = Journeys(
        keys=keys,
        names=names,
        offsets=offsets,
        codes=codes.astype(np.int32),
        conversions=won,
        nulls=1.0 - won,
        value=won * rng.lognormal(7.0, 0.5, n),
        direct=direct,
        parents=parents,
    )
    truth = np.append(touched.sum(axis=0) * effects, n * BASE_RATE)
    return journeys, truth / truth.sum()


@pytest.mark.slow
def test_nested_data_driven_recovers_campaign_truth() -> None:
    """1M journeys: Σ|share − truth| over the campaigns and the baseline below 8 share points,
    every campaign within 2 points, the baseline within 2 (seeds 1–9 measured: Σ median 3.5,
    worst 5.8 — this seed; worst campaign 1.3; worst baseline 1.8. A flat data_driven over the
    ten campaigns does about as well here: 5.1 on this seed)."""
    journeys, truth = campaign_world(1_000_000, seed=7)
    result = attribute_journeys(journeys, models=("data_driven",), bootstrap=0, level="campaign")
    error = np.abs(result.table("data_driven")["share"].to_numpy() - truth) * 100
    assert error.sum() < 8
    assert error[:-1].max() < 2
    assert error[-1] < 2


@pytest.mark.slow
def test_nested_intervals_cover_campaign_truth() -> None:
    """300k journeys, 60 replicates that refit every level: each campaign's 95 % interval
    covers its truth (half a share point of slack, as for the channels)."""
    journeys, truth = campaign_world(300_000, seed=8)
    result = attribute_journeys(journeys, models=("data_driven",), bootstrap=60, seed=2)
    table = result.table("data_driven")
    assert ((table["share_low"] - 0.005 <= truth) & (truth <= table["share_high"] + 0.005)).all()


def test_nested_intervals_exist_for_children() -> None:
    """The replicates rerun the nested fit: siblings get intervals of their own."""
    journeys, _ = campaign_world(20_000, seed=3)
    result = attribute_journeys(journeys, models=("data_driven",), bootstrap=30, seed=1)
    table = result.table("data_driven").set_index("key")
    for key in ("brand", "generic", "newsletter", "q1", "q2"):
        low, high = table.loc[key, "share_low"], table.loc[key, "share_high"]
        assert np.isfinite(low) and np.isfinite(high) and low < high


# -- invariants ----------------------------------------------------------------------------
CHANNELS = ("email", "search", "direct", "events")
CAMPAIGNS = ("c1", "c2", NO_KEY)
WORKFLOWS = ("w1", "w2", NO_KEY)
touch = st.tuples(st.sampled_from(CHANNELS), st.sampled_from(CAMPAIGNS), st.sampled_from(WORKFLOWS))
rows_strategy = st.lists(
    st.tuples(st.lists(touch, max_size=6), st.booleans(), st.floats(1.0, 1e5)),
    min_size=3,
    max_size=30,
).filter(lambda rows: any(won for _, won, _ in rows))


def _levels(rows: list[tuple[list[Path], bool, float]]) -> tuple[Journeys, Journeys, Journeys]:
    won = [float(w) for _, w, _ in rows]
    values = [v * w for (_, _, v), w in zip(rows, won, strict=True)]
    seqs = [s for s, _, _ in rows]
    channel = from_sequences([[t[0] for t in s] for s in seqs], won, [1 - w for w in won], values)
    campaign = nested([[t[:2] for t in s] for s in seqs], won, values)
    workflow = nested(seqs, won, values)
    return channel, campaign, workflow


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy)
def test_children_sum_to_parents_and_deals_to_amounts(
    rows: list[tuple[list[Path], bool, float]],
) -> None:
    """Every model but markov: workflows add up to their campaign, campaigns to their
    channel, the baseline is the channel level's; shares sum to 1; every model's per-deal
    credits add up to each deal's amount and, per channel, to the table."""
    channel, campaign, workflow = _levels(rows)
    models = (*NESTING_MODELS, "markov")
    runs = [
        attribute_journeys(j, models=models, bootstrap=0) for j in (channel, campaign, workflow)
    ]
    amounts = {str(i): v for i, v in enumerate(channel.value) if channel.conversions[i] > 0}
    for model in NESTING_MODELS:
        top, middle, bottom = (r.table(model) for r in runs)
        coarse = top.set_index("channel")["revenue"]
        assert by_parent(middle).reindex(coarse.index).to_numpy() == pytest.approx(
            coarse.to_numpy(), rel=1e-9, abs=1e-6
        )
        expected = by_own(middle)
        assert by_parent(bottom).reindex(expected.index).to_numpy() == pytest.approx(
            expected.to_numpy(), rel=1e-9, abs=1e-6
        )
        credits = runs[2].credits(model)
        per_channel = credits["credit"].groupby(credits["parent"].str.split(" > ").str[0]).sum()
        table_channel = by_parent(middle).drop(BASELINE)
        assert per_channel.reindex(table_channel.index, fill_value=0).to_numpy() == (
            pytest.approx(table_channel.to_numpy(), rel=1e-9, abs=1e-6)
        )
    for run in runs:
        for model in models:
            assert run.table(model)["share"].sum() == pytest.approx(1.0)
            per_deal = run.credits(model).groupby("deal_id")["credit"].sum()
            assert per_deal.to_dict() == pytest.approx(amounts, rel=1e-9, abs=1e-6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rows_strategy,
    channels=st.permutations(CHANNELS),
    campaigns=st.permutations(CAMPAIGNS[:2]),
)
def test_names_and_order_of_campaigns_do_not_matter(
    rows: list[tuple[list[Path], bool, float]], channels: list[str], campaigns: list[str]
) -> None:
    """Renaming channels and campaigns (which reorders their codes) only relabels the nested
    result ('direct' keeps its name: it has a meaning)."""
    fixed = {"direct": "direct"}
    rename_channel = {
        **{o: f"x_{n}" for o, n in zip(CHANNELS, channels, strict=True) if o != "direct"},
        **fixed,
    }
    rename_campaign = {o: f"k_{n}" for o, n in zip(CAMPAIGNS[:2], campaigns, strict=True)}
    won = [float(w) for _, w, _ in rows]
    values = [v * w for (_, _, v), w in zip(rows, won, strict=True)]
    plain = nested([[t[:2] for t in seq] for seq, _, _ in rows], won, values)
    other = nested(
        [[(rename_channel[c], rename_campaign.get(k, k)) for c, k, _ in seq] for seq, _, _ in rows],
        won,
        values,
    )
    back_channel = {v: k for k, v in rename_channel.items()}
    back_campaign = {v: k for k, v in rename_campaign.items()}
    for model in NESTING_MODELS:
        left = attribute_journeys(plain, models=(model,), bootstrap=0).table(model)
        right = attribute_journeys(other, models=(model,), bootstrap=0).table(model)
        right = right.assign(
            parent=right["parent"].map(back_channel.get),
            key=right["key"].map(lambda k: back_campaign.get(k, k)),
        )
        a = left.set_index(["parent", "key"])["share"].sort_index()
        b = right.set_index(["parent", "key"])["share"].sort_index()
        assert a.to_numpy() == pytest.approx(b.reindex(a.index).to_numpy(), abs=1e-6)
