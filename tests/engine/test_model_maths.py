"""Properties of the pure model maths (Hypothesis), and of attrition inside the running engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from drillsim.core.random import Streams
from drillsim.engine import Simulation
from drillsim.mechanics.direct_fire.model import (
    band_interpolate,
    band_position,
    band_value,
    band_values,
    casualty_rate,
)
from drillsim.mechanics.indirect_fire.model import round_casualty_fraction, scatter_sd
from drillsim.mechanics.sensing.model import (
    detection_probability,
    detection_rate,
    light_factor,
    position_error_sd,
)
from drillsim.scenario import Scenario
from synthetic_scenarios import lanchester_scenario, write_scenario

ranges = st.floats(0.0, 50_000.0, allow_nan=False)
positive = st.floats(1e-6, 1e4, allow_nan=False)
fraction = st.floats(0.0, 1.0, allow_nan=False)
counts = st.floats(0.0, 1000.0, allow_nan=False)


@given(r=ranges, rate=positive, scale=positive, reach=ranges, factor=st.floats(0.0, 100.0))
def test_detection_rate_lies_between_zero_and_its_close_range_value(
    r: float, rate: float, scale: float, reach: float, factor: float
) -> None:
    """0 <= lambda(r) <= rate * factor, and exactly 0 beyond the sensor's reach."""
    lam = float(detection_rate(r, rate_per_s=rate, range_scale_m=scale, max_range_m=reach, factor=factor))
    assert 0.0 <= lam <= rate * factor
    if r > reach:
        assert lam == 0.0


@given(r1=ranges, r2=ranges, rate=positive, scale=positive, reach=ranges)
def test_detection_rate_never_rises_with_range(
    r1: float, r2: float, rate: float, scale: float, reach: float
) -> None:
    """A farther target is never detected at a higher rate."""
    near, far = sorted((r1, r2))
    lam = detection_rate([near, far], rate_per_s=rate, range_scale_m=scale, max_range_m=reach)
    assert lam[0] >= lam[1]


@given(rate=st.floats(0.0, 1e6), dt=st.floats(0.0, 1e5))
def test_detection_probability_is_a_probability(rate: float, dt: float) -> None:
    """1 - exp(-rate dt) is in [0, 1] for any non-negative rate and step."""
    p = float(detection_probability(rate, dt))
    assert 0.0 <= p <= 1.0


@given(rate=st.floats(0.0, 10.0), dt1=st.floats(0.0, 1e4), dt2=st.floats(0.0, 1e4))
def test_detection_probability_grows_with_the_step(rate: float, dt1: float, dt2: float) -> None:
    """A longer step never makes a detection in it less likely."""
    short, long_ = sorted((dt1, dt2))
    assert detection_probability(rate, short) <= detection_probability(rate, long_)


@given(rate=st.floats(0.0, 1.0), dt=st.floats(0.1, 100.0), k=st.integers(1, 64))
def test_detection_probability_composes_over_substeps(rate: float, dt: float, k: int) -> None:
    """Surviving k steps of dt/k is surviving one step of dt: the hazard form is consistent in time."""
    whole = 1.0 - float(detection_probability(rate, dt))
    parts = (1.0 - float(detection_probability(rate, dt / k))) ** k
    assert parts == pytest.approx(whole, rel=1e-9, abs=1e-12)


@given(level=st.integers(0, 2), night=fraction)
def test_light_factor_lies_between_night_and_day(level: int, night: float) -> None:
    """The light multiplier is 1 by day, the night factor by night, and between them at twilight."""
    value = float(light_factor(level, night))
    assert min(night, 1.0) <= value <= 1.0


@given(r=ranges, err=st.floats(0.0, 1000.0), scale=positive)
def test_position_error_is_never_below_a_quarter_of_the_sensor_error(
    r: float, err: float, scale: float
) -> None:
    """Reported positions are never better than a quarter of the sensor's error at its range scale."""
    sd = float(position_error_sd(r, err, scale))
    assert sd >= 0.25 * err - 1e-12


def _rate(**changes: float) -> float:
    base: dict[str, Any] = {
        "weapons": 5.0,
        "rate_per_s": 0.1,
        "p_kill": 0.02,
        "fighting_fraction": 0.8,
        "training": 0.7,
        "suppressed": 0.0,
        "exposure": 0.5,
    }
    base.update(changes)
    return float(casualty_rate(**base))


@given(
    weapons=counts,
    rate=st.floats(0.0, 10.0),
    pk=fraction,
    fighting=st.floats(-1.0, 2.0),
    training=fraction,
    suppressed=st.sampled_from([0.0, 1.0]),
    exposure=fraction,
)
def test_casualty_rate_is_never_negative(
    weapons: float,
    rate: float,
    pk: float,
    fighting: float,
    training: float,
    suppressed: float,
    exposure: float,
) -> None:
    """Aimed fire never raises the target's strength, whatever the inputs."""
    c = _rate(
        weapons=weapons,
        rate_per_s=rate,
        p_kill=pk,
        fighting_fraction=fighting,
        training=training,
        suppressed=suppressed,
        exposure=exposure,
    )
    assert c >= 0.0


@pytest.mark.parametrize("name", ["weapons", "rate_per_s", "p_kill"])
@given(a=st.floats(0.0, 100.0), b=st.floats(0.0, 100.0))
def test_casualty_rate_rises_with_firepower(name: str, a: float, b: float) -> None:
    """More weapons, a higher rate of fire or a higher kill probability never inflict fewer casualties."""
    low, high = sorted((a, b))
    if name == "p_kill":
        low, high = low / 100.0, high / 100.0
    assert _rate(**{name: low}) <= _rate(**{name: high})


def test_suppression_cuts_fire_to_thirty_percent() -> None:
    """A suppressed shooter inflicts 0.3 of its unsuppressed rate."""
    assert _rate(suppressed=1.0) == pytest.approx(0.3 * _rate(suppressed=0.0))


@st.composite
def band_tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """One weapon's range bands: increasing upper ranges and their values, padded to 5 bands."""
    n = draw(st.integers(1, 5))
    upper = sorted(draw(st.sets(st.integers(1, 5000), min_size=n, max_size=n)))
    values = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    band_range = np.full((1, 5), np.inf)
    band_values = np.zeros((1, 5))
    band_range[0, :n] = upper
    band_values[0, :n] = values
    return band_range, band_values


def _centres(upper: list[float]) -> list[float]:
    """The middle of each band's span (from the previous band's upper range, the first from 0)."""
    return [0.5 * ((upper[i - 1] if i else 0.0) + u) for i, u in enumerate(upper)]


@given(table=band_tables(), r=st.floats(0.0, 6000.0))
def test_band_value_interpolates_between_band_centres(table: tuple[np.ndarray, np.ndarray], r: float) -> None:
    """Beyond the last band the value is 0; within reach it lies between the values of the two bands
    whose centres bracket r (the nearest band's alone before the first centre and after the last), and
    it is the band's own value, exactly, at a band's centre."""
    band_range, values = table
    upper = [float(u) for u in band_range[0] if np.isfinite(u)]
    v = values[0, : len(upper)]
    centre = _centres(upper)
    got = float(band_value(np.array([r]), band_range, values)[0])
    if r > upper[-1]:
        assert got == 0.0
        return
    if r <= centre[0]:
        assert got == v[0]
    elif r >= centre[-1]:
        assert got == v[-1]
    else:
        k = max(i for i, c in enumerate(centre) if c <= r)
        lo, hi = sorted((v[k], v[k + 1]))
        assert lo - 1e-12 <= got <= hi + 1e-12
        w = (r - centre[k]) / (centre[k + 1] - centre[k])
        assert got == pytest.approx(v[k] + w * (v[k + 1] - v[k]), abs=1e-12)
    for c, value in zip(centre, v, strict=True):
        assert float(band_value(np.array([c]), band_range, values)[0]) == value


@given(table=band_tables(), r=st.floats(0.0, 6000.0), dr=st.floats(1e-3, 1.0))
def test_band_value_has_no_step_inside_the_reach(
    table: tuple[np.ndarray, np.ndarray], r: float, dr: float
) -> None:
    """Continuous inside the weapon's reach: a range change of dr moves the value by at most dr times the
    steepest slope between adjacent centres (a step function at a band edge would jump by the whole
    difference of two bands)."""
    band_range, values = table
    upper = [float(u) for u in band_range[0] if np.isfinite(u)]
    if r + dr > upper[-1]:
        return
    v = values[0, : len(upper)]
    centre = _centres(upper)
    slopes = [abs(v[i + 1] - v[i]) / (centre[i + 1] - centre[i]) for i in range(len(upper) - 1)]
    steepest = max(slopes, default=0.0)
    a, b = band_value(np.array([r, r + dr]), np.repeat(band_range, 2, axis=0), np.repeat(values, 2, axis=0))
    assert abs(b - a) <= steepest * dr + 1e-12


@given(
    d=st.floats(0.0, 5000.0),
    lethal=st.floats(0.0, 500.0),
    footprint=st.floats(0.0, 2000.0),
    exposure=fraction,
)
@example(d=1.0, lethal=0.0, footprint=1.854574689055475e-160, exposure=0.0)  # d^2 / total overflowed
def test_round_casualty_fraction_is_a_fraction(
    d: float, lethal: float, footprint: float, exposure: float
) -> None:
    """The expected casualty fraction of one round is in [0, 1]."""
    f = float(round_casualty_fraction(d, lethal, footprint, exposure))
    assert 0.0 <= f <= 1.0


@given(
    d1=st.floats(0.0, 5000.0),
    d2=st.floats(0.0, 5000.0),
    lethal=st.floats(0.1, 500.0),
    footprint=st.floats(0.0, 2000.0),
)
def test_round_casualty_fraction_never_rises_with_distance(
    d1: float, d2: float, lethal: float, footprint: float
) -> None:
    """A burst farther from the element's centre never causes more casualties."""
    near, far = sorted((d1, d2))
    f = round_casualty_fraction(np.array([near, far]), lethal, footprint)
    assert f[0] >= f[1]


def test_round_casualty_fraction_matches_its_derivation() -> None:
    """The closed form equals the Carleton damage averaged over people spread N(0, (r_e/2)^2) per axis.

    Monte Carlo with 400,000 people from the counter-based normal stream; tolerance 4 standard errors.
    """
    lethal, footprint, d = 20.0, 60.0, 25.0
    n = 400_000
    x, y = Streams(5).normal("test", np.arange(n))
    s = footprint / 2.0
    dist2 = (s * x - d) ** 2 + (s * y) ** 2
    damage = np.exp(-np.log(2.0) * dist2 / lethal**2)
    se = damage.std(ddof=1) / np.sqrt(n)
    assert abs(float(round_casualty_fraction(d, lethal, footprint)) - damage.mean()) < 4 * se


def test_scatter_sd_puts_half_the_rounds_inside_the_cep() -> None:
    """A circular normal with the per-axis sd from scatter_sd has half its mass within the CEP."""
    cep = 50.0
    sigma = float(scatter_sd(cep))
    assert stats.chi2.cdf((cep / sigma) ** 2, df=2) == pytest.approx(0.5, abs=1e-12)


def _overkill(folder: Path, *, pk: float, weapons: int, seed_name: str) -> Scenario:
    """Twenty blue riflemen face five red; blue's fire is far more than enough to kill everyone in a step."""
    data = lanchester_scenario(blue=20, red=5, blue_pk=pk, red_pk=0.5)
    data["catalogue"]["unit_types"]["blue-force"]["weapons"][0]["count"] = weapons
    data["catalogue"]["weapons"]["blue-rifle"]["rate_per_min"] = 600
    data["time"]["duration_s"] = 300
    return write_scenario(data, folder, f"overkill-{seed_name}.yaml")


@pytest.fixture(scope="module")
def overkill_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("overkill")


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    pk=st.floats(0.05, 1.0),
    weapons=st.integers(1, 200),
    stochastic=st.booleans(),
)
def test_attrition_never_drives_strength_negative(
    overkill_folder: Path, seed: int, pk: float, weapons: int, stochastic: bool
) -> None:
    """After every step of an overwhelming firefight, every element's strength is at least 0."""
    scenario = _overkill(overkill_folder, pk=pk, weapons=weapons, seed_name=f"{seed}-{weapons}")
    sim = Simulation(scenario, rng=seed, replications=8, stochastic=stochastic)
    while not sim.done:
        sim.step()
        assert (sim.state.strength >= 0).all()


def test_strength_stays_non_negative_through_the_example(example: Scenario) -> None:
    """Direct fire, mortar rounds and morale across a whole run of the example never leave strength < 0."""
    sim = Simulation(example, rng=6, replications=6)
    while not sim.done:
        sim.step()
        assert (sim.state.strength >= 0).all()
        assert (sim.state.strength <= sim.world.forces.strength0).all()


def test_engine_attrition_rises_with_firepower(overkill_folder: Path) -> None:
    """In deterministic mode, each doubling of blue's kill probability raises red's losses after 4 minutes."""
    losses = []
    for pk in (0.002, 0.004, 0.008, 0.016):
        scenario = write_scenario(lanchester_scenario(blue_pk=pk), overkill_folder, f"firepower-{pk}.yaml")
        outcome = Simulation(scenario, rng=0, stochastic=False).run(until_s=240)
        losses.append(float(outcome.measures["losses-red"][0]))
    assert 0 < losses[0] < losses[1] < losses[2] < losses[3] < 80


def test_band_lookup_by_weapon_equals_the_gathered_lookup() -> None:
    """The compiled interpolation between band centres, pair by pair, gives bit for bit what the
    whole-array lookup gives on the gathered rows, including ranges beyond the last band, on a band edge,
    on a band centre and NaN."""
    rng = np.random.default_rng(3)
    weapons, bands, pairs = 6, 5, 400
    upper = np.sort(rng.uniform(50.0, 3000.0, (weapons, bands)), axis=1)
    upper[:, 3:] = np.inf  # padded tables, as the engine builds them
    upper[2, 2:] = np.inf
    pkill = np.where(np.isfinite(upper), rng.uniform(0.0, 0.5, (weapons, bands)), 0.0)
    psupp = np.where(np.isfinite(upper), rng.uniform(0.0, 0.9, (weapons, bands)), 0.0)
    weapon = rng.integers(0, weapons, pairs)
    r = rng.uniform(0.0, 3500.0, pairs)
    r[:5] = upper[weapon[:5], 0]  # exactly on an edge
    r[5:10] = 0.5 * (upper[weapon[5:10], 0] + upper[weapon[5:10], 1])  # exactly on a centre
    r[10] = np.nan
    got = [np.zeros(pairs), np.zeros(pairs)]
    for p in range(pairs):
        b0, b1, w = band_position(r[p], upper[weapon[p]])
        for table, out in zip((pkill, psupp), got, strict=True):
            out[p] = band_interpolate(table[weapon[p]], b0, b1, w)
    want = band_values(r, upper[weapon], pkill[weapon], psupp[weapon])
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(got[0][5:10], pkill[weapon[5:10], 1])  # a centre: the band's own value
    assert (got[0] > 0).any()
    assert (got[0] == 0).any()
