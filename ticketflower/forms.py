from django import forms


class ServerScopedModelForm(forms.ModelForm):
    """A model form whose instance gets some fields from the server, not from the user.

    Django skips the rules of fields that are not on the form; the company (and similar
    fields listed in `server_set_fields`) is set by the view before validation, so its
    rules (unique slug per company…) are checked here and reported on the form.
    """

    server_set_fields: tuple[str, ...] = ("company",)

    def _get_validation_exclusions(self):
        exclude = set(super()._get_validation_exclusions())
        for name in self.server_set_fields:
            # Only a value the server has set is validated; an unset one is derived later
            # (a task takes its workflow's company) and must not fail as "missing".
            field = self.instance._meta.get_field(name)
            if getattr(self.instance, field.attname, None) is not None:
                exclude.discard(name)
        return exclude
