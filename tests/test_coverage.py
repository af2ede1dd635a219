from verilogreader.coverage.model import CoverageMap


def test_record_returns_only_new_known_points(lock_model):
    cov = CoverageMap.for_design(lock_model)
    a, b, c, d = cov.points
    assert cov.record({a, "not-a-point"}) == {a}
    assert cov.record({a, b}) == {b}
    assert cov.hits == {a: 2, b: 1}
    assert cov.uncovered == (c, d)
    assert cov.uncovered_reachable == (c,)


def test_raw_and_reachable_percentages_differ_by_unreachable_points(lock_model):
    cov = CoverageMap.for_design(lock_model)
    a, b, c, _ = cov.points
    cov.record({a, b, c})
    assert cov.raw_percent == 75.0
    assert cov.reachable_percent == 100.0
    assert cov.complete


def test_merge_diff_and_new_since(lock_model):
    one, two = CoverageMap.for_design(lock_model), CoverageMap.for_design(lock_model)
    a, b, c, d = one.points
    one.record({a})
    before = dict(one.hits)
    one.record({b})
    two.record({b, c})
    merged = one.merge(two)
    assert merged.hits == {a: 1, b: 2, c: 1}
    assert one.diff(two) == {a}
    assert one.new_since(before) == {b}


def test_hitting_an_unreachable_point_is_reported(lock_model):
    cov = CoverageMap.for_design(lock_model)
    cov.record({cov.points[3]})
    assert cov.unreachable_hit == {cov.points[3]}
