"""Page languages for the Hosted UI, chosen like managed login does: by the `lang` query parameter.

Deliberately tiny (a catalogue per language and a `t()` for templates) rather than gettext/Babel: a few dozen
strings on a handful of pages. Pages keep `lang` in their links and form actions, so the choice follows the
user through sign-in. To translate a new page, add its English strings as keys of each catalogue; a missing
entry falls back to English.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request

DEFAULT_LANGUAGE = "en"
CATALOGUES: dict[str, dict[str, str]] = {
    "fr": {
        "Sign in": "Se connecter",
        "Sign in with your email and password": "Connectez-vous avec votre e-mail et votre mot de passe",
        "Email": "E-mail",
        "Password": "Mot de passe",
        "Incorrect username or password.": "Nom d'utilisateur ou mot de passe incorrect.",
        "User is not confirmed.": "L'utilisateur n'est pas confirmé.",
        "User is disabled.": "L'utilisateur est désactivé.",
        "Password reset required for the user": "L'utilisateur doit réinitialiser son mot de passe",
        "This field is required.": "Ce champ est obligatoire.",
        "You are signed in as %(name)s.": "Vous êtes connecté en tant que %(name)s.",
        "Continue as %(name)s": "Continuer en tant que %(name)s",
        "Sign in as a different user?": "Se connecter avec un autre compte ?",
        "Need an account?": "Besoin d'un compte ?",
        "Sign up": "S'inscrire",
        "Forgot your password?": "Mot de passe oublié ?",
        "An error was encountered with the requested page.": "Une erreur s'est produite sur la page demandée.",
        "Error": "Erreur",
        "Language": "Langue",
        "There is a problem": "Il y a un problème",
        "Change password": "Changer de mot de passe",
        "Please enter a new password.": "Veuillez saisir un nouveau mot de passe.",
        "New password": "Nouveau mot de passe",
        "Enter new password again": "Saisissez à nouveau le nouveau mot de passe",
        "Send": "Envoyer",
        "Passwords do not match.": "Les mots de passe ne correspondent pas.",
        "Your session has expired. Please sign in again.": "Votre session a expiré. Veuillez vous reconnecter.",
    },
    "de": {
        "Sign in": "Anmelden",
        "Sign in with your email and password": "Melden Sie sich mit E-Mail-Adresse und Passwort an",
        "Email": "E-Mail-Adresse",
        "Password": "Passwort",
        "Incorrect username or password.": "Falscher Benutzername oder falsches Passwort.",
        "User is not confirmed.": "Der Benutzer ist nicht bestätigt.",
        "User is disabled.": "Der Benutzer ist deaktiviert.",
        "Password reset required for the user": "Der Benutzer muss sein Passwort zurücksetzen",
        "This field is required.": "Dieses Feld ist erforderlich.",
        "You are signed in as %(name)s.": "Sie sind als %(name)s angemeldet.",
        "Continue as %(name)s": "Weiter als %(name)s",
        "Sign in as a different user?": "Mit einem anderen Konto anmelden?",
        "Need an account?": "Noch kein Konto?",
        "Sign up": "Registrieren",
        "Forgot your password?": "Passwort vergessen?",
        "An error was encountered with the requested page.": "Auf der angeforderten Seite ist ein Fehler "
                                                             "aufgetreten.",
        "Error": "Fehler",
        "Language": "Sprache",
        "There is a problem": "Es gibt ein Problem",
        "Change password": "Passwort ändern",
        "Please enter a new password.": "Bitte geben Sie ein neues Passwort ein.",
        "New password": "Neues Passwort",
        "Enter new password again": "Neues Passwort wiederholen",
        "Send": "Senden",
        "Passwords do not match.": "Die Passwörter stimmen nicht überein.",
        "Your session has expired. Please sign in again.": "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich "
                                                            "erneut an.",
    },
}
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}


def current_language() -> str:
    """The page language from `lang` (`fr`, `fr-FR`, `de`...), English when absent or unknown."""
    requested = (request.args.get("lang") or "").replace("_", "-").split("-", 1)[0].lower()
    return requested if requested in CATALOGUES else DEFAULT_LANGUAGE


def translate(text: str, language: str | None = None, **values: str) -> str:
    """`text` in the page language; `%(name)s` placeholders are filled from `values` after translation."""
    language = language or current_language()
    translated = CATALOGUES.get(language, {}).get(text, text)
    return translated % values if values else translated


def url_in_language(language: str) -> str:
    """This page's URL with `lang` set to `language`, every other parameter kept."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode([*params, ('lang', language)])}"


def init_app(app: Flask) -> None:
    @app.context_processor
    def language_helpers():
        return {"t": translate, "page_language": current_language(), "language_names": LANGUAGE_NAMES,
                "url_in_language": url_in_language}
