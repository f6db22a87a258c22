"""Django's, allauth's and axes' admins are registered before Nedra's apps load (they come
first in INSTALLED_APPS): give them the same guard as Nedra's own (core.admin_guard)."""

from django.contrib import admin

from core.admin_guard import guard_registered

guard_registered(admin.site)
