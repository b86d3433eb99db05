"""What the recommendation APIs answer with, shared by their tests."""

# The fields of the article in every recommended, generated or similar item: one card serializer.
ARTICLE_FIELDS = {"id", "title", "slug", "summary", "topics", "published_at", "url"}
