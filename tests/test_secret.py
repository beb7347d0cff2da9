"""Statistical secrecy on hand-built tables, masks worked out by hand."""

from cusdoc.compute.secrecy import primary, rate_shown, suppress


def test_primary_masks_counts_from_one_to_threshold_minus_one():
    assert primary([[0, 1, 4, 5, 12]]) == {(0, 1), (0, 2)}


def test_a_lone_masked_cell_in_a_row_takes_the_smallest_other_with_it():
    # row 0: 3 is masked; with the row total published, 3 = total − 8 − 20: mask 8 too.
    counts = [[3, 8, 20]]
    assert suppress(counts, rows_total=True, columns_total=False) == {(0, 0), (0, 1)}


def test_secondary_suppression_runs_across_rows_and_columns_until_stable():
    counts = [
        [2, 10, 30],
        [15, 12, 40],
        [20, 25, 9],
    ]
    # Primary: (0, 0). Row 0 alone → (0, 1), the smallest other (10).
    # Column 0 alone → (1, 0) (15 < 20). Column 1 alone with (0, 1) → (1, 1) (12 < 25).
    # Row 1 now has (1, 0) and (1, 1): two cells, stable. Every row and column has 0 or 2.
    assert suppress(counts) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_no_masked_cell_can_be_recomputed_from_its_line_total():
    counts = [[1, 7, 9, 30], [6, 2, 50, 8], [40, 33, 3, 12]]
    masked = suppress(counts)
    for i, row in enumerate(counts):
        assert sum((i, j) in masked for j in range(len(row))) != 1
    for j in range(len(counts[0])):
        assert sum((i, j) in masked for i in range(len(counts))) != 1


def test_zeros_are_not_secret_but_serve_as_a_last_resort():
    assert suppress([[0, 0, 0]], rows_total=True, columns_total=False) == set()
    assert suppress([[2, 0]], rows_total=True, columns_total=False) == {(0, 0), (0, 1)}


def test_rate_needs_a_denominator_at_the_threshold():
    assert not rate_shown(4)
    assert rate_shown(5)
    assert not rate_shown(None)
