"""Behaviour events and their default training weights (no imports: Django settings read it)."""

# Training weight of each behaviour event. "dislike" is a negative signal: it never counts as a
# positive, and it removes the article from that reader's lists. "rating" is multiplied by the
# rating's value.
EVENT_WEIGHTS_DEFAULT: dict[str, float] = {
    "view": 1.0,
    "click": 1.0,
    "read": 2.0,
    "like": 4.0,
    "bookmark": 4.0,
    "share": 4.0,
    "rating": 1.0,
    "dislike": -4.0,
}
