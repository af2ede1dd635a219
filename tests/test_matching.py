"""Finding baseline branches again after an edit (pure, coverage/matching.py)."""

from __future__ import annotations

from verilogreader.coverage.matching import PointShape, match_points


def shape(pid, condition, parent=None, kind="if", digest="d", module="m"):
    return PointShape(pid, module, kind, condition, parent, digest)


def test_moved_lines_match_by_what_the_arm_is_and_duplicates_by_order():
    old = [shape("f:3:1:if", "(a)"), shape("f:4:1:if", "(b)", "f:3:1:if"), shape("f:6:1:if", "(b)", "f:3:1:if")]
    new = [shape("f:4:1:if", "(a)"), shape("f:5:1:if", "(b)", "f:4:1:if"), shape("f:7:1:if", "(b)", "f:4:1:if")]
    found = match_points(old, new)
    assert found.pairs == {"f:3:1:if": "f:4:1:if", "f:4:1:if": "f:5:1:if", "f:6:1:if": "f:7:1:if"}
    assert found.unmatched == ()


def test_the_arm_text_settles_look_alikes_and_an_edited_body_still_matches_by_its_guards():
    old = [shape("x:1", "(b)", digest="first"), shape("x:2", "(b)", digest="second")]
    new = [shape("y:1", "(b)", digest="second"), shape("y:2", "(b)", digest="edited")]
    assert match_points(old, new).pairs == {"x:2": "y:1", "x:1": "y:2"}


def test_a_changed_guard_or_another_module_is_not_matched():
    old = [shape("a", "(cancel)"), shape("b", "(select)", "a"), shape("c", "(x)", module="other")]
    new = [shape("a2", "(cancel && ok)"), shape("b2", "(select)", "a2"), shape("c2", "(x)")]
    found = match_points(old, new)
    assert found.pairs == {} and found.unmatched == ("a", "b", "c")


def test_a_version_1_baseline_without_arm_text_matches_by_guards():
    old = [shape("a", "(a)", digest=None), shape("b", "!(a)", kind="else", digest=None)]
    new = [shape("a2", "(a)"), shape("b2", "!(a)", kind="else")]
    assert match_points(old, new).pairs == {"a": "a2", "b": "b2"}
