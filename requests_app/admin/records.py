"""The records of processing (Art. 30(1)): kept by compliance leads and organisation admins,
read by handlers."""


from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app import (
    access,
)
from requests_app.admin.base import PortalAdmin, ScopedInline, relationship_labels
from requests_app.models import (
    DataSystem,
    LegalBasis,
    ProcessingRecord,
    Relationship,
)

# --- Records of processing (Art. 30(1)) ------------------------------------------------------


class ProcessingRecordForm(forms.ModelForm):
    """Whose data as checkboxes of relationships; the systems only of the record's
    organisation (checked again on save, since a new record's organisation is chosen in the
    same form)."""

    relationships = forms.MultipleChoiceField(
        label=_("whose data"), choices=Relationship.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The people whose data this activity processes. None ticked: everyone. "
                    "The access cover document lists the activities of the requester's "
                    "relationship linked to the systems where the requester's data was "
                    "found (Art. 15(1))."),
    )

    class Meta:
        model = ProcessingRecord
        fields = ("organisation", "name", "purposes", "legal_basis", "legitimate_interests",
                  "data_categories", "relationships", "recipients", "no_recipients",
                  "transfers", "no_transfers", "retention", "source", "source_is_subject",
                  "automated_decisions", "no_automated_decisions", "systems", "note")
        widgets = {"systems": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        systems = self.fields.get("systems")
        if systems is not None and self.instance.organisation_id:
            systems.queryset = systems.queryset.filter(
                organisation_id=self.instance.organisation_id)
        elif systems is not None:
            # A new record: the organisation is not chosen yet, so say whose each system is.
            systems.label_from_instance = lambda system: f"{system.name} ({system.organisation})"

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or (
            self.instance.organisation if self.instance.organisation_id else None)
        others = [s.name for s in cleaned.get("systems") or []
                  if organisation is None or s.organisation_id != organisation.pk]
        if others:
            self.add_error("systems", gettext(
                "These systems belong to another organisation: %(systems)s.")
                % {"systems": ", ".join(others)})
        if (cleaned.get("legal_basis") == LegalBasis.LEGITIMATE_INTERESTS
                and not (cleaned.get("legitimate_interests") or "").strip()):
            # Art. 13(1)(d), 14(2)(b): the interests must be named.
            self.add_error("legitimate_interests", gettext(
                "Name the legitimate interests pursued (Art. 13(1)(d))."))
        for text, none in ProcessingRecord.STATEMENTS:
            if (cleaned.get(text) or "").strip() and cleaned.get(none):
                # Both would contradict each other on the cover; neither is allowed (the
                # record is flagged as undecided until one is chosen).
                self.add_error(none, gettext(
                    "Either write it out or mark it “none”, not both."))
        return cleaned


class ProcessingRecordInline(ScopedInline, admin.TabularInline):
    """The organisation's records, read-only here: each opens on its own page, where there is
    room for the long texts."""

    parent_path = ""  # the parent is the organisation
    model = ProcessingRecord
    extra = 0
    fields = ("name", "legal_basis", "relationships_display")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("records of processing (Art. 30(1))")

    @admin.display(description=_("whose data"))
    def relationships_display(self, record):
        return relationship_labels(record.relationships)


@admin.register(ProcessingRecord)
class ProcessingRecordAdmin(PortalAdmin):
    """The records of processing the access cover document is prefilled from (``cover``).
    Compliance leads and organisation admins edit their organisations' records; handlers
    read them (``access.KEEP_RECORDS``)."""

    add_action = change_action = delete_action = access.KEEP_RECORDS
    form = ProcessingRecordForm
    list_display = ("name", "organisation", "legal_basis", "relationships_display",
                    "undecided_display")
    list_filter = (("organisation", admin.RelatedOnlyFieldListFilter), "legal_basis")
    list_select_related = ("organisation",)
    search_fields = ("name", "purposes", "data_categories")
    readonly_fields = ("relationships_display", "systems_display", "undecided_display")
    show_full_result_count = False

    @admin.display(description=_("whose data"))
    def relationships_display(self, record):
        return relationship_labels(record.relationships)

    @admin.display(description=_("not yet settled"))
    def undecided_display(self, record):
        """What the access cover cannot state until it is written out or marked "none"."""
        return ", ".join(record.undecided()) or "–"

    @admin.display(description=_("systems"))
    def systems_display(self, record):
        return ", ".join(s.name for s in record.systems.all()) or "–"

    def get_fields(self, request, obj=None):
        fields = list(self.form.Meta.fields)
        if obj is not None:
            fields.insert(0, "undecided_display")
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the labels, not the stored codes.
            fields[fields.index("relationships")] = "relationships_display"
            fields[fields.index("systems")] = "systems_display"
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        undecided = obj.undecided() if obj is not None else []
        if undecided and request.method == "GET":
            messages.warning(request, gettext(
                "The access cover cannot state these until they are written out or marked "
                "“none”; no access package whose cover shows this record can be built: "
                "%(fields)s.") % {"fields": ", ".join(undecided)})
        return super().render_change_form(request, context, add=add, change=change,
                                          form_url=form_url, obj=obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "systems":
            kwargs["queryset"] = access.scope(DataSystem.objects.all(), request.user,
                                              access.KEEP_RECORDS).select_related("organisation")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

