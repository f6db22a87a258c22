from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from modeltranslation.admin import TranslationAdmin

from core.admin_guard import GuardedAdmin
from core.uploads import SizeLimitedImportForm
from deposits.models import Deposit, Mineral, Region, Reserve
from deposits.resources import DepositResource, ReserveResource


@admin.register(Region)
class RegionAdmin(GuardedAdmin, TranslationAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Mineral)
class MineralAdmin(GuardedAdmin, TranslationAdmin):
    list_display = ["name", "symbol", "group", "is_critical"]
    list_filter = ["group", "is_critical"]
    search_fields = ["name", "code", "symbol"]


class ReserveInline(admin.TabularInline):
    model = Reserve
    extra = 0
    autocomplete_fields = ["mineral"]


@admin.register(Deposit)
class DepositAdmin(GuardedAdmin, ImportExportModelAdmin, TranslationAdmin):
    resource_classes = [DepositResource]
    import_form_class = SizeLimitedImportForm
    list_display = ["name", "code", "region", "status", "area_km2", "last_surveyed_year"]
    list_filter = ["status", "region", "reserves__mineral__group", "reserves__mineral"]
    list_select_related = ["region"]
    search_fields = ["name", "code"]
    inlines = [ReserveInline]
    autocomplete_fields = ["region"]
    # Offered and licensed follow from lots and licences, never from a hand edit.
    readonly_fields = ["status"]


@admin.register(Reserve)
class ReserveAdmin(GuardedAdmin, ImportExportModelAdmin):
    resource_classes = [ReserveResource]
    import_form_class = SizeLimitedImportForm
    list_display = ["deposit", "mineral", "category", "quantity", "unit", "grade", "grade_unit"]
    list_filter = ["category", "mineral__group", "mineral"]
    list_select_related = ["deposit", "deposit__region", "mineral"]
    search_fields = ["deposit__name", "deposit__code", "mineral__name"]
    autocomplete_fields = ["deposit", "mineral"]
