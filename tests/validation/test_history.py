import csv
import importlib.util
import math
from pathlib import Path

from drillsim.validation.history import (
    compare_ardennes_laws,
    load_ardennes,
    load_iwo_jima,
    reproduce_engel_iwo_jima,
)
from drillsim.validation.lanchester import SQUARE_LAW, fit_attrition

ROOT = Path(__file__).resolve().parents[2]

# Engel (1954) as quoted by the public sources vendored in scripts/history/raw/.
ENGEL_US_ATTRITION = 0.0544
ENGEL_JAPANESE_ATTRITION = 0.0106


def test_engel_iwo_jima_coefficients_reproduced_within_five_percent():
    """Square-law coefficients solved from the battle's end points are within 5% of Engel's."""
    rep = reproduce_engel_iwo_jima(stepping="ode")
    assert abs(rep.us_attrition / ENGEL_US_ATTRITION - 1.0) < 0.05
    assert abs(rep.japanese_attrition / ENGEL_JAPANESE_ATTRITION - 1.0) < 0.05


def test_shipped_iwo_jima_record_matches_engels_setup():
    """The data set has 73,000 US landings on days 1, 3 and 6 and a 21,500-man garrison over 36 days."""
    record = load_iwo_jima()
    assert record.days == 36
    assert math.isclose(float(record.us_landings.cumulative(36.0)), 73000.0)
    assert record.japanese_initial == 21500.0
    assert record.published_us_attrition == ENGEL_US_ATTRITION


def test_ardennes_linear_law_fits_best_and_square_law_worst():
    """On the Ardennes daily casualties the linear law ranks first and the square law last."""
    for method in ("least_squares", "poisson"):
        ranking = compare_ardennes_laws(method=method).ranking
        assert ranking[0] == "linear"
        assert ranking[-1] == "square"


def test_generalised_law_fits_ardennes_at_least_as_well_as_any_classic_law():
    """Freeing the exponents (a nested model) never raises the least-squares SSE."""
    campaign = load_ardennes()
    general = fit_attrition(
        campaign.allied_strength,
        campaign.german_strength,
        law=SQUARE_LAW,
        x_losses=campaign.allied_casualties,
        y_losses=campaign.german_casualties,
        free_exponents="shared",
    )
    best_classic = compare_ardennes_laws().fits[0]
    assert general.sse <= best_classic.sse * (1 + 1e-9)


def test_build_script_reproduces_the_shipped_csv_files(tmp_path, monkeypatch):
    """scripts/build_history.py rebuilds the shipped CSVs byte for byte from the vendored raw sources."""
    spec = importlib.util.spec_from_file_location("build_history", ROOT / "scripts" / "build_history.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path)
    module.build_iwo_jima()
    module.build_ardennes()
    shipped = ROOT / "src" / "drillsim" / "validation" / "data"
    for name in (
        "iwo_jima/iwo_jima_engel1954.csv",
        "iwo_jima/iwo_jima_engel1954_published.csv",
        "ardennes/ardennes_daily.csv",
    ):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes()
    with (tmp_path / "ardennes" / "ardennes_daily.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 32
