"""API lists skip django-filter when no query parameter names one of the view's filters.

Replaces: `django_filters.rest_framework.DjangoFilterBackend` as the definition views' filter
backend. A FilterSet given none of its parameters filters nothing, yet building and validating
its form is a measurable share of a list request that sends no filter (most of them); the
saving is recorded in docs/performance.md (REST API lists).

Can go when django-filter skips an unbound form itself, or when a list page without filters
still meets its docs/performance.md target with the stock backend (`bench/run.py`, part 4).
"""

from __future__ import annotations

from django_filters import rest_framework as filters


class DefinitionFilterBackend(filters.DjangoFilterBackend):
    """django-filter, run only when a query parameter names one of the view's filters."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        # Prefixes, so that a filter read from several parameters (`x_min`, `x_max`) still counts.
        names = tuple(filterset_class.base_filters)
        if not any(param.startswith(names) for param in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
