"""The router: wildcard rules, activation order, overlaps."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.router import UNROUTED, ActiveAccess, find_overlaps, matches, overlap_example, route

SALES = ActiveAccess("Sales", "Solidus.Sales.*@seclab.com", "Sales")
SUPPORT = ActiveAccess("Support", "Solidus.Support@seclab.com", "Support")
PRIORITY = ActiveAccess("Priority", "Solidus.Support+priority@seclab.com", "Support")
CATCH_ALL = ActiveAccess("All", "*@seclab.com", "Reception")


@pytest.mark.parametrize(
    ("pattern", "address", "expected"),
    [
        ("Solidus.Sales.*@seclab.com", "Solidus.Sales.Retail@seclab.com", True),
        ("Solidus.Sales.*@seclab.com", "solidus.sales.commercial@SECLAB.COM", True),
        ("Solidus.Sales.*@seclab.com", "Solidus.Sales.@seclab.com", True),
        ("Solidus.Sales.*@seclab.com", "Solidus.SalesRetail@seclab.com", False),
        ("Solidus.Sales.*@seclab.com", "Solidus.Sales.Retail@seclab.com.evil", False),
        ("a?c@x.com", "abc@x.com", True),
        ("a?c@x.com", "ac@x.com", False),
        ("a?c@x.com", "abbc@x.com", False),
        ("support+vip@x.com", "support+vip@x.com", True),
        ("support+vip@x.com", "supportvip@x.com", False),
        ("support+vip@x.com", "supporttvip@x.com", False),
        ("sales.*@x.com", "salesX@x.com", False),
        ("(a)|b@x.com", "(a)|b@x.com", True),
        ("(a)|b@x.com", "b@x.com", False),
    ],
)
def test_pattern_rules(pattern: str, address: str, expected: bool) -> None:
    assert matches(pattern, address) is expected


def test_first_activated_wins_whatever_the_recipient_order() -> None:
    decision = route(["Solidus.Sales.Retail@seclab.com"], [CATCH_ALL, SALES])
    assert decision.service_access == "All"
    decision = route(["Solidus.Sales.Retail@seclab.com"], [SALES, CATCH_ALL])
    assert decision.service_access == "Sales"
    assert decision.matched_address == "Solidus.Sales.Retail@seclab.com"


def test_any_recipient_header_can_match() -> None:
    decision = route(["someone@else.org", "Solidus.Support@seclab.com"], [SALES, SUPPORT])
    assert (decision.service_access, decision.service_group) == ("Support", "Support")


def test_plus_address_is_its_own_access() -> None:
    accesses = [SUPPORT, PRIORITY]
    assert route(["Solidus.Support+priority@seclab.com"], accesses).service_access == "Priority"
    assert route(["Solidus.Support@seclab.com"], accesses).service_access == "Support"


def test_nothing_matches_is_unrouted() -> None:
    assert route(["nobody@example.com"], [SALES, SUPPORT]) == UNROUTED
    assert route([], [SALES]) == UNROUTED
    assert not UNROUTED.routed


local_part = st.text(
    alphabet=string.ascii_letters + string.digits + ".+-_", min_size=1, max_size=20
)
domain = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=10).map(lambda s: s + ".com")


@given(local_part, domain, st.data())
def test_pattern_matches_the_address_it_was_built_from(
    local: str, dom: str, data: st.DataObject
) -> None:
    address = f"{local}@{dom}"
    # Replace a random slice with * and a random character with ?.
    start = data.draw(st.integers(0, len(address)))
    end = data.draw(st.integers(start, len(address)))
    pattern = address[:start] + "*" + address[end:]
    assert matches(pattern, address)
    index = data.draw(st.integers(0, len(address) - 1))
    assert matches(address[:index] + "?" + address[index + 1 :], address)


@given(local_part, domain)
def test_matching_ignores_case(local: str, dom: str) -> None:
    address = f"{local}@{dom}"
    assert matches(address.upper(), address.lower())
    assert matches(address.swapcase(), address)


@given(local_part, local_part, domain)
def test_plus_is_literal(user: str, tag: str, dom: str) -> None:
    user = user.replace("+", "")
    tag = tag.replace("+", "")
    assert not matches(f"{user}+{tag}@{dom}", f"{user}{tag}@{dom}")
    assert matches(f"{user}+{tag}@{dom}", f"{user}+{tag}@{dom}")


@given(
    st.lists(
        st.sampled_from([SALES, SUPPORT, PRIORITY, CATCH_ALL]), min_size=1, max_size=4, unique=True
    ),
    st.sampled_from(
        [
            "Solidus.Sales.Retail@seclab.com",
            "Solidus.Support@seclab.com",
            "Solidus.Support+priority@seclab.com",
            "x@seclab.com",
        ]
    ),
)
def test_earliest_activated_match_wins(order: list[ActiveAccess], address: str) -> None:
    decision = route([address], order)
    first = next((a for a in order if matches(a.pattern, address)), None)
    assert decision.service_access == (first.name if first else None)


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ("Solidus.Sales.*@seclab.com", "*@seclab.com", True),
        ("Solidus.Sales.*@seclab.com", "Solidus.Support@seclab.com", False),
        ("sales@x.com", "SALES@X.COM", True),
        ("a*@x.com", "*b@x.com", True),
        ("a*", "b*", False),
        ("support+vip@x.com", "support@x.com", False),
        ("s?les@x.com", "sa*@x.com", True),
    ],
)
def test_overlap_detection_gives_an_address_both_match(
    first: str, second: str, overlap: bool
) -> None:
    example = overlap_example(first, second)
    assert (example is not None) is overlap
    if example is not None:
        assert matches(first, example) and matches(second, example)


@given(
    st.text(alphabet="ab*?@.", min_size=1, max_size=8),
    st.text(alphabet="ab*?@.", min_size=1, max_size=8),
)
def test_overlap_examples_are_real(first: str, second: str) -> None:
    example = overlap_example(first, second)
    if example is not None:
        assert matches(first, example) and matches(second, example)
    else:
        # No common address among every short string over the alphabet.
        for candidate in ("", "a", "b", "ab", "ba", "a@b", "a.b", "@", "."):
            assert not (matches(first, candidate) and matches(second, candidate))


def test_find_overlaps_lists_pairs_with_examples() -> None:
    found = find_overlaps(
        [("Sales", SALES.pattern), ("Support", SUPPORT.pattern), ("All", CATCH_ALL.pattern)]
    )
    assert {(o.first, o.second) for o in found} == {("Sales", "All"), ("Support", "All")}
    sales_all = next(o for o in found if o.first == "Sales")
    assert sales_all.example == "solidus.sales.x@seclab.com"


@pytest.mark.parametrize(
    "address",
    [
        "evil\r\nbcc@example.com",
        "a\x00b@example.com",
        "x\x1b[2J@example.com",
        "two words@example.com",
        "c1\x85@example.com",
        "line\u2028sep@example.com",
    ],
)
def test_a_wildcard_never_matches_a_space_or_a_control_character(address: str) -> None:
    """Issue 14: a hostile recipient is not routed by ``*`` or ``?`` (nothing is lost:
    an unrouted e-mail is archived and listed in Problems)."""
    assert not matches("*@example.com", address)
    assert not matches("*", address)
    assert matches("*@example.com", "bob.o'neil+tag@example.com")
    assert matches("*@example.com", "jürgen@example.com")
    accesses = [ActiveAccess("All", "*@example.com", "Catch")]
    assert route([address], accesses) == UNROUTED
    assert route([address, "ok@example.com"], accesses).matched_address == "ok@example.com"
