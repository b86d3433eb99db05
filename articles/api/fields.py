"""Fields shared by the API's query-string serializers (articles and recommender)."""

import re

from rest_framework import serializers


class QueryIntegerField(serializers.IntegerField):
    """An integer written as digits only: DRF would also read "3.0" as 3, which the schema's
    `type: integer` does not allow in a query string."""

    re_decimal = re.compile(r"(?!)")  # matches nothing, so no ".0" suffix is stripped
