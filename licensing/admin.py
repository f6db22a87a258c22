from django.contrib import admin

from licensing.models import Licence


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "holder",
        "deposit",
        "licence_type",
        "term_years",
        "signature_bonus",
        "status",
        "payment_deadline",
        "issued_on",
        "expires_on",
    ]
    list_filter = ["status", "licence_type", "deposit__region"]
    list_select_related = ["holder", "deposit", "deposit__region"]
    search_fields = ["number", "holder__legal_name", "deposit__name"]
    autocomplete_fields = ["holder", "deposit", "lot"]
