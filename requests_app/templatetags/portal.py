from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The current page in another language (the language is the URL's prefix)."""
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), language)


@register.simple_tag
def logo_url(organisation) -> str:
    """The path of the organisation's logo (``views.public.logo``), with its version, or ""
    when it has none."""
    from django.urls import reverse

    from requests_app.onboarding.branding import logo_version

    version = logo_version(organisation)
    if not version:
        return ""
    return reverse("logo", kwargs={"slug": organisation.slug, "version": version})
