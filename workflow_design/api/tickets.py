"""Ticket definitions (ticket types) of your company."""

from __future__ import annotations

from workflow_design.api.base import DefinitionViewSet
from workflow_design.api.filters import TicketFilter
from workflow_design.api.schema import crud_schema
from workflow_design.api.serializers import TicketCreateSerializer, TicketSerializer
from workflow_design.policy import ticket_policy


@crud_schema("tickets", TicketSerializer, create_request=TicketCreateSerializer)
class TicketViewSet(DefinitionViewSet):
    """Ticket definitions (ticket types); each returns the JSON Schema of its ticket form."""

    serializer_class = TicketSerializer
    create_serializer_class = TicketCreateSerializer
    filterset_class = TicketFilter
    policy = ticket_policy
