"""The packaged official geography, as cusdoc reads it."""


def test_the_communes_file_is_plain_comma_separated_values():
    """load_geographie splits its lines by hand: no quoted field, four fields each."""
    from cusdoc import DATA

    lines = (DATA / "communes.csv").read_text(encoding="utf-8").splitlines()
    assert all('"' not in line and line.count(",") == 3 for line in lines)
