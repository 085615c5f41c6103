"""Hypothesis strategies shared by the fuzz tests: awkward text, identity-like strings, 32-bit integers, dates."""

from hypothesis import strategies as st

awkward_text = st.one_of(
    st.text(max_size=40),  # any code point hypothesis likes: controls, surrogates excluded, NUL included
    st.text(alphabet="工会分会小组张王李\u200b\u202e\x00 \t\n'\"\\<>%_=+-@", max_size=30),
    st.sampled_from(
        ["", " ", "a\x00b", "=1+1", "@SUM(A1)", "NULL", "null", "0", "-1", "x" * 300, "工" * 120]
    ),
)
maybe_text = st.one_of(st.none(), awkward_text)
id_like = st.text(alphabet="0123456789Xx ", min_size=0, max_size=20)
int32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
iso_dates = st.dates().map(lambda d: d.isoformat())
