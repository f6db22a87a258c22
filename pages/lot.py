"""A lot's public page, its calendar file, and a company's application for it."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from auctions import calendars, pauses
from auctions.models import Application, Lot
from auctions.selectors.catalogue import offered_lots
from auctions.selectors.participants import company_applications
from auctions.selectors.results import is_awarded
from auctions.selectors.visibility import are_results_public, public_result
from auctions.services import apply_for_lot, required_payments
from bidders import services
from bidders.decorators import bidders_only
from bidders.forms import ApplicationForm
from bidders.selectors import company_of
from core.errors import DomainError
from core.money import format_kzt
from deposits.locator import locator_map
from deposits.selectors import reserves_of


@require_GET
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a public lot with its deposit, reserves, terms and schedule, and how to apply."""
    lot = get_object_or_404(offered_lots(), pk=pk)
    if request.user.is_authenticated:
        services.remember_language(user=request.user, language=request.LANGUAGE_CODE)
    return _render_lot(request, lot, ApplicationForm())


@require_GET
def lot_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a public lot's deadline and auction as an iCalendar file in the page's language."""
    lot = get_object_or_404(offered_lots(), pk=pk)
    domain, _port = split_domain_port(request.get_host())
    response = HttpResponse(
        calendars.lot_calendar(
            lot=lot,
            lot_url=request.build_absolute_uri(reverse("lot", args=[lot.pk])),
            domain=domain,
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="nedra-lot-{lot.pk}.ics"'
    return response


@require_POST
@bidders_only
def lot_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply for a lot for the user's company; a refusal is shown on the lot's page."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("lot", args=[pk]))
    lot = get_object_or_404(offered_lots(), pk=pk)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            application = apply_for_lot(
                user=request.user, lot_id=lot.pk, accept_terms=form.cleaned_data["accept_terms"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            services.remember_language(user=request.user, language=request.LANGUAGE_CODE)
            messages.success(request, _application_submitted_message(application))
            return redirect("dashboard")
    return _render_lot(request, lot, form, status=400)


def _application_submitted_message(application: Application) -> str:
    payments = "; ".join(
        _("%(kind)s %(amount)s, reference %(reference)s")
        % {
            "kind": payment.get_kind_display(),
            "amount": format_kzt(payment.amount),
            "reference": payment.reference,
        }
        for payment in application.payments.all()
    )
    message = _("Your application for lot %(number)s is submitted.") % {
        "number": application.lot.number
    }
    if payments:
        message += " " + _("To be admitted, pay: %(payments)s.") % {"payments": payments}
    return message


def _render_lot(
    request: HttpRequest, lot: Lot, form: ApplicationForm, status: int = 200
) -> HttpResponse:
    company = company_of(request.user)
    application = (
        company_applications(company).filter(lot=lot).first() if company is not None else None
    )
    context: dict[str, object] = {
        "lot": lot,
        "reserves": reserves_of(lot.deposit),
        "company": company,
        "application": application,
        "is_open_for_applications": lot.is_open_for_applications,
        "applications_have_closed": timezone.now() >= lot.application_deadline,
        "payments_due": [(kind.label, amount) for kind, amount in required_payments(lot).items()],
        "soft_close_minutes": int(lot.soft_close_window.total_seconds() // 60),
        "form": form,
        "is_finished": lot.status in Lot.FINISHED_STATUSES,
        "locator": locator_map([lot.deposit], licence_area=lot.licence_area),
        "pauses": pauses.public_record(lot.pk),
    }
    if are_results_public(lot):
        result = public_result(lot)
        context.update(results_are_public=True, result=result, is_awarded=is_awarded(lot, result))
    return render(request, "bidders/lot.html", context, status=status)
