"""Citizen account pages: login, registration, e-mail verification, account, trust level explanation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rathaus.core.errors import ValidationFailed
from rathaus.tenants.http import TenantRequest

from . import account_services, saml, selectors, services
from .forms import LoginForm, ProfileForm, RegistrationForm
from .models import User
from .trust import TrustLevel


def _safe_next(request: TenantRequest, default: str = "identity:account") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    from django.urls import reverse

    return reverse(default)


def login_view(request: TenantRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user: User = form.get_user()
        if not user.is_citizen:
            form.add_error(None, _("Beschäftigte der Verwaltung melden sich im internen Bereich an."))
        elif user.email_verified_at is None:
            services.send_verification_mail(request, user)
            form.add_error(
                None,
                _("Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse. Wir haben Ihnen den Link noch einmal geschickt."),
            )
        else:
            services.start_citizen_session(
                request,
                user,
                trust_level=services.password_login_trust_level(user),
                backend="rathaus.identity.backends.TenantEmailBackend",
            )
            return redirect(_safe_next(request))
    providers = selectors.identity_providers(request.tenant)
    return render(
        request,
        "identity/login.html",
        {"form": form, "providers": providers, "next": request.GET.get("next", request.POST.get("next", ""))},
    )


@require_POST
def logout_view(request: TenantRequest) -> HttpResponse:
    # Logged in through a SAML provider that offers single logout: end the session there too (it sends the
    # browser back to /konto/saml/<provider>/slo/). The session here ends first, whatever the provider does.
    single_logout = saml.saml_logout_url(request)
    logout(request)
    if single_logout is not None:
        # A page, not a redirect: the form-action rule of the page with the logout button would stop a redirect
        # to another site in the browser.
        url, provider = single_logout
        return render(request, "identity/saml_logout.html", {"url": url, "provider": provider})
    messages.success(request, _("Sie haben sich abgemeldet."))
    return redirect("portal:home")


def register_view(request: TenantRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_citizen(
                tenant=request.tenant,
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                company_name=data["company_name"],
            )
        except ValidationFailed:
            # The address has an account (citizen or staff): same page as for a new one, so the form does not
            # tell strangers who is registered; the owner gets a mail saying what to do if it was them.
            account_services.notify_repeated_registration(request=request, tenant=request.tenant, email=data["email"])
        else:
            services.send_verification_mail(request, user)
        return render(request, "identity/register_done.html", {"email": data["email"]})
    return render(request, "identity/register.html", {"form": form})


@never_cache
def verify_email_view(request: TenantRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST (with CSRF) confirms the address (mail scanners open links)."""
    try:
        if request.method == "POST":
            services.verify_email(tenant=request.tenant, token=token)
        else:
            user = services.user_for_verification_token(tenant=request.tenant, token=token)
            return render(request, "identity/verify_confirm.html", {"email": user.email})
    except ValidationFailed as exc:
        return render(request, "identity/verify_failed.html", {"message": exc.detail}, status=400)
    messages.success(request, _("Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden."))
    return redirect("identity:login")


@login_required
def account_view(request: TenantRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        return redirect("staff:dashboard")
    profile = selectors.profile_of(user)
    form = ProfileForm(
        request.POST or None,
        initial={
            "street": profile.street,
            "postal_code": profile.postal_code,
            "city": profile.city,
            "phone": profile.phone,
            "preferred_channel": profile.preferred_channel,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.update_profile(profile=profile, data=form.cleaned_data)
        messages.success(request, _("Ihre Angaben sind gespeichert."))
        return redirect("identity:account")
    return render(
        request,
        "identity/account.html",
        {
            "profile": profile,
            "form": form,
            "trust_level": TrustLevel(services.session_trust_level(request)),
            "acting_organisation": selectors.acting_organisation(request),
            "linkable_providers": selectors.linkable_providers(user),
        },
    )


def trust_level_view(request: TenantRequest) -> HttpResponse:
    """Explains which login reaches the trust level a service needs."""
    needed = request.GET.get("level", TrustLevel.LOW)
    if needed not in TrustLevel.values:
        needed = TrustLevel.LOW
    current = services.session_trust_level(request)
    providers = [p for p in selectors.identity_providers(request.tenant) if selectors.provider_reaches(p, needed)]
    return render(
        request,
        "identity/trust_level_required.html",
        {
            "needed": TrustLevel(needed),
            "current": TrustLevel(current),
            "providers": providers,
            "password_enough": needed == TrustLevel.LOW,
            "next": _safe_next(request, "portal:home"),
        },
        status=403,
    )
