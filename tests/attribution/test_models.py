"""Shapley, data-driven and bootstrap: hand-worked cases, known-truth worlds and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmroi.attribution import attribute_journeys, position_model
from crmroi.attribution.models import MODELS
from crmroi.attribution.paths import BASELINE, Journeys, from_sequences
from crmroi.attribution.shapley import lattice_shapley
from crmroi.attribution.worlds import CHANNELS, EFFECTS, POPULARITY, WORLDS, simulate
from crmroi.errors import AnalysisError

FAST_MODELS = tuple(m for m in MODELS if m not in {"markov_3", "markov_4"})


def test_lattice_shapley_two_players() -> None:
    """v(∅)=0, v(a)=1, v(b)=2, v(ab)=4: φ_a = (1 + (4−2))/2 = 1.5, φ_b = (2 + (4−1))/2 = 2.5."""
    values = np.array([[0.0, 1.0, 2.0, 4.0]])
    assert lattice_shapley(values, 2) == pytest.approx(np.array([[1.5, 2.5]]))


def test_simplified_and_empirical_by_hand() -> None:
    """Sets: {} 10 journeys 1 conversion, {a} 10/3, {a,b} 10/6.

    shapley_simplified: {a} converts 3 → a 3; {a,b} 6 → a 3, b 3; {} → baseline 1.
    shapley_empirical: v(∅)=0.1, v(a)=0.3, v(b) unseen → max of subsets = 0.1, v(ab)=0.6.
    In {a,b}: φ_a = ((0.3−0.1) + (0.6−0.1))/2 = 0.35, φ_b = ((0.1−0.1) + (0.6−0.3))/2 = 0.15,
    baseline 0.1: 6 conversions → a 3.5, b 1.5, baseline 1. In {a}: a 0.2/0.3·3 = 2, baseline 1.
    """
    j = from_sequences([[], ["a"], ["a", "b"]], [1.0, 3.0, 6.0], [9.0, 7.0, 4.0], [1.0, 3.0, 6.0])
    r = attribute_journeys(j, models=("shapley_simplified", "shapley_empirical"), bootstrap=0)
    simple = r.table("shapley_simplified").set_index("channel")["conversions"]
    assert simple.to_dict() == pytest.approx({"a": 6.0, "b": 3.0, BASELINE: 1.0})
    emp = r.table("shapley_empirical").set_index("channel")["conversions"]
    assert emp.to_dict() == pytest.approx({"a": 5.5, "b": 1.5, BASELINE: 3.0})


def test_additive_truth_is_incremental_conversions() -> None:
    """In the additive world the truth is Σ_j e_c 1[c ∈ S_j] / Σ_j p_j, checked independently."""
    sim = simulate("additive", 50_000, seed=3)
    j = sim.journeys
    touched = np.zeros((j.n_journeys, len(CHANNELS)), bool)
    touched[j.touch_journey(), j.codes] = True
    incremental = touched.sum(axis=0) * EFFECTS
    baseline = j.n_journeys * WORLDS["additive"].baseline
    expected = np.append(incremental, baseline) / (incremental.sum() + baseline)
    assert sim.truth == pytest.approx(expected, abs=1e-12)
    assert POPULARITY.sum() == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.parametrize("world", [w for w in WORLDS if not WORLDS[w].confounded])
def test_data_driven_recovers_truth(world: str) -> None:
    """1M journeys: data_driven within 10 share points in total, baseline within ±2 points."""
    sim = simulate(world, 1_000_000, seed=11)
    result = attribute_journeys(sim.journeys, models=("data_driven",), bootstrap=0)
    shares = result.table("data_driven")["share"].to_numpy()
    assert np.abs(shares - sim.truth).sum() * 100 < 10
    assert abs(shares[-1] - sim.truth[-1]) * 100 < 2


@pytest.mark.slow
def test_bootstrap_interval_covers_truth() -> None:
    """The data_driven 95 % interval of each channel covers the additive world's truth."""
    sim = simulate("additive", 300_000, seed=5)
    result = attribute_journeys(sim.journeys, models=("data_driven",), bootstrap=60, seed=1)
    table = result.table("data_driven")
    covered = (table["share_low"] - 0.005 <= sim.truth) & (sim.truth <= table["share_high"] + 0.005)
    assert covered.all()
    assert (table["share_high"] >= table["share_low"]).all()


def test_rule_intervals_and_spread() -> None:
    sim = simulate("additive", 20_000, seed=2)
    result = attribute_journeys(sim.journeys, models=("linear", "markov"), bootstrap=30)
    t = result.table("linear")
    assert (t["share_low"] <= t["share"] + 1e-12).all() and (
        t["share"] <= t["share_high"] + 1e-12
    ).all()
    spread = result.model_spread()
    assert (spread["share_min"] <= spread["share_max"]).all()


def test_custom_position_model_and_unknown() -> None:
    position_model("half_first", 1, 0, 1)
    j = from_sequences([["a", "b", "c"]], [1], [0], [10.0])
    t = attribute_journeys(j, models=("half_first",), bootstrap=0).table("half_first")
    assert t.set_index("channel")["revenue"].to_dict() == pytest.approx(
        {"a": 5.0, "b": 0.0, "c": 5.0, BASELINE: 0.0}
    )
    with pytest.raises(AnalysisError, match="unknown attribution model"):
        attribute_journeys(j, models=("nonsense",))


# -- properties ---------------------------------------------------------------------------
CHANNEL_NAMES = ("email", "search", "social", "direct", "events")
journeys_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from(CHANNEL_NAMES), max_size=6),
        st.booleans(),
        st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
    ),
    min_size=2,
    max_size=25,
).filter(lambda rows: any(conv for _, conv, _ in rows))


def _journeys(
    rows: list[tuple[list[str], bool, float]], rename: dict[str, str] | None = None
) -> Journeys:
    rename = rename or {}
    seqs = [[rename.get(c, c) for c in seq] for seq, _, _ in rows]
    conv = [float(c) for _, c, _ in rows]
    return from_sequences(
        seqs,
        conv,
        [1.0 - c for c in conv],
        [a * c for c, (_, _, a) in zip(conv, rows, strict=True)],
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=journeys_strategy)
def test_credits_sum_to_amount_and_shares_to_one(rows: list[tuple[list[str], bool, float]]) -> None:
    j = _journeys(rows)
    result = attribute_journeys(j, models=FAST_MODELS, bootstrap=0)
    amounts = {str(i): v for i, v in enumerate(j.value) if j.conversions[i] > 0}
    for model in FAST_MODELS:
        table = result.table(model)
        assert table["share"].sum() == pytest.approx(1.0, abs=1e-9) or table["share"].sum() == 0
        credits = result.credits(model)
        per_deal = credits.groupby("deal_id")["credit"].sum()
        assert set(per_deal.index) == set(amounts)
        for deal, amount in amounts.items():
            assert per_deal[deal] == pytest.approx(amount, rel=1e-9, abs=1e-6)
        fractions = credits.groupby("deal_id")["fraction"].sum()
        assert np.allclose(fractions.to_numpy(), 1.0)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=journeys_strategy, order=st.permutations(CHANNEL_NAMES))
def test_names_and_their_order_do_not_matter(
    rows: list[tuple[list[str], bool, float]], order: list[str]
) -> None:
    """Renaming channels (which reorders their codes) only relabels the result."""
    rename = {old: f"ch_{new}" for old, new in zip(CHANNEL_NAMES, order, strict=True)}
    a = attribute_journeys(_journeys(rows), models=FAST_MODELS, bootstrap=0)
    b = attribute_journeys(_journeys(rows, rename), models=FAST_MODELS, bootstrap=0)
    for model in FAST_MODELS:
        left = a.table(model).set_index("channel")["share"]
        right = b.table(model).set_index("channel")["share"]
        right.index = [
            k if k == BASELINE else {v: k for k, v in rename.items()}[k] for k in right.index
        ]
        last_non_direct_renamed = model == "last_non_direct"  # 'direct' is a name with meaning
        if last_non_direct_renamed:
            continue
        assert left.sort_index().to_numpy() == pytest.approx(
            right.sort_index().to_numpy(), abs=1e-6
        )


def test_estimate_outside_its_interval_is_named() -> None:
    """The note that flags an unstable fit names exactly the keys outside their interval."""
    import numpy as np

    from crmroi.attribution.analysis import ModelResult, _outside_interval

    res = ModelResult(
        model="data_driven",
        conversions=np.array([1.0, 2.0, 3.0]),
        revenue=np.array([1.0, 2.0, 3.0]),
        share=np.array([0.15, 0.0, 0.85]),
        share_low=np.array([0.02, 0.0, 0.80]),
        share_high=np.array([0.13, 0.0, 0.84]),
        interval_method="bootstrap",
    )
    assert _outside_interval(["paid_social", "partner", "(baseline)"], res) == [
        "paid_social",
        "(baseline)",
    ]


@pytest.mark.parametrize("model", [*FAST_MODELS, "data_driven"])
@pytest.mark.parametrize("touched", [True, False])
def test_no_conversion_gives_zero_shares_and_intervals_without_warnings(
    model: str, touched: bool
) -> None:
    """A workspace slice where nothing converted (found by the report's property test): every
    share and interval bound is 0, without a 0/0 in the spread (warnings are errors here)."""
    seqs = [["email", "search"], ["search"]] if touched else []
    zeros = [0.0] * len(seqs)
    journeys = from_sequences(seqs, zeros, [1.0] * len(seqs), zeros)
    result = attribute_journeys(journeys, models=(model,), bootstrap=50)
    table = result.table(model)
    assert (table[["share", "share_low", "share_high"]].to_numpy() == 0).all()


def test_models_run_on_one_blas_thread_with_small_pages_and_restore_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What attribute_journeys sets for the models (analysis._lean) holds inside, not after."""
    from dataclasses import dataclass

    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    from crmroi.attribution.models import RuleModel, RuleStats
    from crmroi.attribution.rules import RULES

    advise = getattr(np, "_core").multiarray._set_madvise_hugepage  # noqa: B009 (private)
    seen: list[tuple[list[int], bool]] = []

    def blas_threads() -> list[int]:
        return [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]

    @dataclass(frozen=True)
    class Probe(RuleModel):
        def prepare(self, journeys: Journeys) -> RuleStats:
            hugepages = advise(False)
            advise(hugepages)
            seen.append((blas_threads(), hugepages))
            return super().prepare(journeys)

    monkeypatch.setitem(MODELS, "probe", Probe("probe", RULES["linear"]))
    threads_before, hugepages_before = blas_threads(), advise(True)
    advise(hugepages_before)
    j = from_sequences([["a"], ["a", "b"]], [1.0, 2.0], [3.0, 4.0], [1.0, 2.0])
    attribute_journeys(j, models=("probe",), bootstrap=0)
    assert seen == [([1] * len(threads_before), False)]
    assert blas_threads() == threads_before
    assert advise(hugepages_before) is hugepages_before
