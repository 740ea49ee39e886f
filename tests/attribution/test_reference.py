"""Rule-based and Markov models against published figures and the ChannelAttribution package."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmroi.attribution import attribute_journeys, read_paths
from crmroi.attribution.paths import BASELINE, from_sequences

# /work/shared/data/README.md, "ChannelAttribution paths": first / last / linear conversions
README = {
    "alpha": (6308, 8447, 7574.719),
    "iota": (4606, 3355, 3857.096),
    "eta": (3164, 4167, 3539.951),
    "beta": (2831, 989, 2083.500),
}


@pytest.fixture(scope="module")
def data_csv(shared_data: Path) -> Path:
    return shared_data / "channelattribution_paths" / "Data.csv"


def _conversions(result: object, model: str) -> dict[str, float]:
    table = result.table(model)  # type: ignore[attr-defined]
    return dict(zip(table["channel"], table["conversions"], strict=True))


def test_path_file_totals(data_csv: Path) -> None:
    """10,000 paths, 19,785 conversions, value 74,802.972, 68,602 null journeys (README)."""
    j = read_paths(data_csv)
    assert j.n_journeys == 10_000
    assert j.conversions.sum() == 19_785
    assert j.value.sum() == pytest.approx(74_802.972, abs=5e-4)
    assert j.nulls.sum() == 68_602
    assert len(j.keys) == 12


def test_rules_match_readme(data_csv: Path) -> None:
    result = attribute_journeys(
        read_paths(data_csv), models=("first_touch", "last_touch", "linear"), bootstrap=0
    )
    first, last, linear = (_conversions(result, m) for m in ("first_touch", "last_touch", "linear"))
    for channel, (f, la, li) in README.items():
        assert first[channel] == pytest.approx(f, abs=5e-5)
        assert last[channel] == pytest.approx(la, abs=5e-5)
        assert round(linear[channel], 3) == pytest.approx(li, abs=5e-4)


def test_position_rules_by_hand() -> None:
    """a > b > c > d converting once with value 100.

    u_shaped: a 40, b 10, c 10, d 40. j_shaped: 20/10/10/60; inverse_j: 60/10/10/20.
    w_shaped without milestones (lead = first, opportunity = last): a 30+30, d 30, b, c 5 each.
    (x > y under w_shaped: x 60, y 30 and no touch left for the 10 %, so 2/3 and 1/3.)
    full_path: a 45 (first + lead), d 45 (opportunity + close), b, c 5 each.
    time_decay without times, one day per step, half-life 7: weights 2^(-3/7) … 1.
    A two-touch path under u_shaped: 50/50; j_shaped: 25/75.
    """
    j = from_sequences([["a", "b", "c", "d"], ["x", "y"]], [1, 1], [0, 0], [100.0, 100.0])
    models = ("u_shaped", "j_shaped", "inverse_j", "w_shaped", "full_path", "time_decay")
    result = attribute_journeys(j, models=models, bootstrap=0)

    def rev(model: str) -> dict[str, float]:
        t = result.table(model)
        return dict(zip(t["channel"], t["revenue"], strict=True))

    assert rev("u_shaped") == pytest.approx(
        {**dict(a=40, b=10, c=10, d=40, x=50, y=50), BASELINE: 0}
    )
    assert rev("j_shaped") == pytest.approx(
        {**dict(a=20, b=10, c=10, d=60, x=25, y=75), BASELINE: 0}
    )
    assert rev("inverse_j")["a"] == pytest.approx(60)
    # x > y: x 30 + 30, y 30, no other touch for the 10 %: renormalised to 2/3 and 1/3
    w_shaped = {**dict(a=60, b=5, c=5, d=30, x=200 / 3, y=100 / 3), BASELINE: 0}
    assert rev("w_shaped") == pytest.approx(w_shaped)
    assert rev("full_path")["a"] == pytest.approx(45) and rev("full_path")["b"] == pytest.approx(5)
    weights = 2.0 ** (-np.array([3, 2, 1, 0]) / 7)
    assert rev("time_decay")["a"] == pytest.approx(100 * weights[0] / weights.sum())


def test_last_non_direct() -> None:
    """email > direct converts: last touch credits direct, last_non_direct credits email."""
    j = from_sequences([["email", "direct"], ["direct"]], [1, 1], [0, 0], [10.0, 10.0])
    r = attribute_journeys(j, models=("last_touch", "last_non_direct"), bootstrap=0)
    assert _conversions(r, "last_touch") == {"direct": 2.0, "email": 0.0, BASELINE: 0.0}
    assert _conversions(r, "last_non_direct") == {"direct": 1.0, "email": 1.0, BASELINE: 0.0}


def test_markov_by_hand() -> None:
    """Paths: a → conv (1), a > b → conv (1), b → null (2).

    Order-1 chain: start→a 2/4, start→b 2/4; a→conv 1/2, a→b 1/2; b→conv 1/3, b→null 2/3.
    h(b) = 1/3, h(a) = 1/2 + 1/2·1/3 = 2/3, h(start) = 1/2·2/3 + 1/2·1/3 = 1/2.
    Without a: h = 1/2·1/3 = 1/6, RE_a = 2/3. Without b: h = 1/2·1/2 = 1/4, RE_b = 1/2.
    Two conversions split 2/3 : 1/2, i.e. a 8/7, b 6/7.
    """
    j = from_sequences([["a"], ["a", "b"], ["b"]], [1, 1, 0], [0, 0, 2], [1.0, 1.0, 0.0])
    r = attribute_journeys(j, models=("markov",), bootstrap=0)
    conv = _conversions(r, "markov")
    assert conv["a"] == pytest.approx(8 / 7) and conv["b"] == pytest.approx(6 / 7)


# ChannelAttribution 2.2.5 markov_model(Data, order=1, seed=0) removal effects, simulated with
# 1e5 paths ("convergence reached: 2.93 % < 5 %"); reproduced live below when installed.
CA_REMOVAL = {
    "alpha": 0.558723,
    "iota": 0.395745,
    "eta": 0.348936,
    "beta": 0.265957,
    "theta": 0.205957,
    "lambda": 0.136170,
    "epsilon": 0.065106,
}


def test_markov_removal_effects_match_channelattribution(data_csv: Path) -> None:
    """Exact removal effects agree with ChannelAttribution's simulated ones within its noise."""
    from crmroi.attribution import markov

    j = read_paths(data_csv)
    effects = dict(zip(j.keys, markov.removal_effects(markov.transitions(j, 1))[0], strict=True))
    for channel, expected in CA_REMOVAL.items():
        assert effects[channel] == pytest.approx(expected, rel=0.05)


def _channelattribution():  # type: ignore[no-untyped-def]
    os.environ.setdefault("MPLBACKEND", "Agg")
    ca = pytest.importorskip("ChannelAttribution")
    return ca


def test_against_channelattribution_package(
    data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Heuristics agree to 4 decimals; Markov conversion shares within its simulation noise."""
    ca = _channelattribution()
    data = pd.read_csv(data_csv, sep=";")
    heur = ca.heuristic_models(
        data, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False
    )
    mk = ca.markov_model(
        data,
        "path",
        "total_conversions",
        var_value="total_conversion_value",
        var_null="total_null",
        verbose=0,
        flg_pro=False,
    )
    capsys.readouterr()
    ours = attribute_journeys(
        read_paths(data_csv), models=("first_touch", "last_touch", "linear", "markov"), bootstrap=0
    )
    for model, column in (
        ("first_touch", "first_touch"),
        ("last_touch", "last_touch"),
        ("linear", "linear_touch"),
    ):
        t = ours.table(model).set_index("channel")
        for _, row in heur.iterrows():
            assert t.loc[row["channel_name"], "conversions"] == pytest.approx(
                row[f"{column}_conversions"], abs=5e-5
            )
            assert t.loc[row["channel_name"], "revenue"] == pytest.approx(
                row[f"{column}_value"], abs=5e-4
            )
    # ChannelAttribution's own seeds move a channel's conversion share by up to ~0.4 points
    # (alpha 27.14 % with seed 1, 26.78 % with seed 3): allow 0.6 points.
    t = ours.table("markov").set_index("channel")
    total = mk["total_conversions"].sum()
    for _, row in mk.iterrows():
        ours_share = t.loc[row["channel_name"], "conversions"] / total
        assert ours_share == pytest.approx(row["total_conversions"] / total, abs=0.006)


def test_fast_rule_path_matches_touch_weights() -> None:
    """The per-journey shortcut for position rules equals the per-touch reference."""
    from crmroi.attribution import rules
    from crmroi.attribution.worlds import simulate

    j = simulate("additive", 5_000, seed=4, truth=False).journeys
    jidx = j.touch_journey()
    for rule_id, rule in rules.RULES.items():
        fast = rules.fast_totals(j, rule)
        if fast is None:
            continue
        w = rules.touch_weights(j, rule)
        conv = np.bincount(j.codes, w * j.conversions[jidx], j.n_keys)
        value = np.bincount(j.codes, w * j.value[jidx], j.n_keys)
        assert fast[0] == pytest.approx(conv), rule_id
        assert fast[1] == pytest.approx(value), rule_id


# ChannelAttribution 2.2.5 markov_model(Data, order=2, seed=0) total conversions (simulated).
CA_ORDER_2 = {
    "alpha": 5620.888,
    "iota": 3865.732,
    "eta": 3387.452,
    "beta": 2509.874,
    "theta": 1838.526,
    "lambda": 1180.343,
}


def test_higher_order_markov(data_csv: Path) -> None:
    """Order 2 agrees with ChannelAttribution's order 2 within its noise (0.6 share points);
    orders 3 and 4 run and keep every conversion."""
    j = read_paths(data_csv)
    result = attribute_journeys(j, models=("markov_2", "markov_3", "markov_4"), bootstrap=0)
    ours = _conversions(result, "markov_2")
    for channel, expected in CA_ORDER_2.items():
        assert ours[channel] / 19_785 == pytest.approx(expected / 19_785, abs=0.006)
    for model in ("markov_3", "markov_4"):
        assert sum(_conversions(result, model).values()) == pytest.approx(19_785)
