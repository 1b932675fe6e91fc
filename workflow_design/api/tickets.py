"""Ticket definitions (ticket types) of your company."""

from __future__ import annotations

from workflow_design import services
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

    def create_via_service(self, data):
        company = self.company_for_new(data)
        data.pop("expected_revision", None)
        return services.ticket_create(user=self.request.user, company=company, **data)

    def update_via_service(self, instance, data):
        return services.ticket_update(
            ticket=instance, user=self.request.user, expected_revision=self.expected_revision(data), **data
        )

    def delete_via_service(self, instance):
        services.ticket_delete(ticket=instance, user=self.request.user, expected_revision=self.expected_revision({}))
