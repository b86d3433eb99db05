"""Page-number pagination of the API lists with validated query parameters: a malformed `page` or
`page_size` is a 400 with the parameter's message (as every other query parameter), not a page
silently replaced by the first one, and the schema states the bounds the code applies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from .fields import QueryIntegerField

MAX_PAGE_SIZE = 100


class PageQuerySerializer(serializers.Serializer):
    page = QueryIntegerField(min_value=1, required=False)
    page_size = QueryIntegerField(min_value=1, required=False)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # Only numbers: "last" would be a second, undocumented type of the `page` parameter.
    last_page_strings = ()

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        # From the QueryDict, so that an empty value (`?page=`) reads as absent, as in every
        # other query parameter.
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        self._query = query.validated_data
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request: Request, paginator: DjangoPaginator[Any]) -> int:
        return self._query.get(self.page_query_param, 1)

    def get_page_size(self, request: Request) -> int:
        # Larger sizes are clamped rather than refused, as the schema's description says.
        return min(self._query.get(self.page_size_query_param, self.page_size), MAX_PAGE_SIZE)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"]["minimum"] = 1
        page["description"] = "A page number, from 1; beyond the last page is a 404."
        page_size["schema"]["minimum"] = 1
        page_size["description"] = (
            f"Results per page (default {self.page_size}); larger values than "
            f"{MAX_PAGE_SIZE} return {MAX_PAGE_SIZE}."
        )
        return [page, page_size]
