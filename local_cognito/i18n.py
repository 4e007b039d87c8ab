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
        "Skip to main content": "Aller au contenu principal",
        "There is a problem": "Il y a un problème",
        "Change password": "Changer de mot de passe",
        "Please enter a new password.": "Veuillez saisir un nouveau mot de passe.",
        "New password": "Nouveau mot de passe",
        "Enter new password again": "Saisissez à nouveau le nouveau mot de passe",
        "Send": "Envoyer",
        "Passwords do not match.": "Les mots de passe ne correspondent pas.",
        "Your session has expired. Please sign in again.": "Votre session a expiré. Veuillez vous reconnecter.",
        # The self-service pages (self_service.py) and the messages they show.
        "Sign up with your email and password": "Inscrivez-vous avec votre e-mail et un mot de passe",
        "SignUp is not permitted for this user pool": "L'inscription n'est pas autorisée pour ce groupe d'utilisateurs",
        "Your password needs:": "Votre mot de passe doit contenir :",
        "at least %(count)s characters": "au moins %(count)s caractères",
        "a lower-case letter": "une lettre minuscule",
        "an upper-case letter": "une lettre majuscule",
        "a number": "un chiffre",
        "a symbol": "un symbole",
        "Already have an account?": "Vous avez déjà un compte ?",
        "Confirm your account": "Confirmez votre compte",
        "We have sent a code by email to %(destination)s. Enter it below to confirm your account.":
            "Nous avons envoyé un code par e-mail à %(destination)s. Saisissez-le ci-dessous pour confirmer votre "
            "compte.",
        "Enter the code we sent you by email to confirm your account.":
            "Saisissez le code reçu par e-mail pour confirmer votre compte.",
        "Verification code": "Code de vérification",
        "Confirm account": "Confirmer le compte",
        "Didn't receive a code?": "Vous n'avez pas reçu de code ?",
        "Send a new code": "Envoyer un nouveau code",
        "We will send a new confirmation code to your email address.":
            "Nous enverrons un nouveau code de confirmation à votre adresse e-mail.",
        "I have a code": "J'ai un code",
        "Enter your email address and we will send you a code to reset your password.":
            "Saisissez votre adresse e-mail : nous vous enverrons un code pour réinitialiser votre mot de passe.",
        "Reset my password": "Réinitialiser mon mot de passe",
        "Back to sign in": "Retour à la connexion",
        "Reset your password": "Réinitialisez votre mot de passe",
        "If an account exists for this email address, we have sent it a code. Enter the code and a new password.":
            "Si un compte existe pour cette adresse e-mail, nous lui avons envoyé un code. Saisissez le code et un "
            "nouveau mot de passe.",
        "Your account could not be confirmed": "Votre compte n'a pas pu être confirmé",
        "Your registration has been confirmed!": "Votre inscription est confirmée !",
        "Your password was changed. Sign in with the new one.":
            "Votre mot de passe a été changé. Connectez-vous avec le nouveau.",
        "You can now sign in with your email address and password.":
            "Vous pouvez maintenant vous connecter avec votre adresse e-mail et votre mot de passe.",
        "An account with the given email already exists.": "Un compte existe déjà pour cette adresse e-mail.",
        "Username should be an email.": "Le nom d'utilisateur doit être une adresse e-mail.",
        "Invalid verification code provided, please try again.": "Code de vérification incorrect, veuillez réessayer.",
        "Invalid code provided, please request a code again.": "Code non valide, veuillez demander un nouveau code.",
        "Attempt limit exceeded, please try after some time.": "Trop de tentatives, veuillez réessayer plus tard.",
        "User cannot be confirmed. Current status is CONFIRMED":
            "L'utilisateur ne peut pas être confirmé : il l'est déjà.",
        "User is already confirmed.": "L'utilisateur est déjà confirmé.",
        "User password cannot be reset in the current state.":
            "Le mot de passe de cet utilisateur ne peut pas être réinitialisé dans son état actuel.",
        "Password did not conform with policy: Password not long enough":
            "Le mot de passe ne respecte pas la politique : il n'est pas assez long",
        "Password did not conform with policy: Password must have lowercase characters":
            "Le mot de passe ne respecte pas la politique : il doit contenir une minuscule",
        "Password did not conform with policy: Password must have uppercase characters":
            "Le mot de passe ne respecte pas la politique : il doit contenir une majuscule",
        "Password did not conform with policy: Password must have numeric characters":
            "Le mot de passe ne respecte pas la politique : il doit contenir un chiffre",
        "Password did not conform with policy: Password must have symbol characters":
            "Le mot de passe ne respecte pas la politique : il doit contenir un symbole",
        # The authenticator steps (mfa_pages.py) and the lockout.
        "Password attempts exceeded": "Nombre de tentatives de mot de passe dépassé",
        "Two-step sign-in": "Connexion en deux étapes",
        "Enter the 6-digit code from your authenticator app.":
            "Saisissez le code à 6 chiffres de votre application d'authentification.",
        "Code": "Code",
        "Invalid code received for user": "Code non valide",
        "Set up two-step sign-in": "Configurer la connexion en deux étapes",
        "This account needs an authenticator app. Scan the QR code with it, or enter the secret key by hand, then "
        "enter the 6-digit code it shows.":
            "Ce compte a besoin d'une application d'authentification. Scannez le code QR avec elle, ou saisissez la "
            "clé secrète à la main, puis saisissez le code à 6 chiffres qu'elle affiche.",
        "QR code of the secret key for your authenticator app":
            "Code QR de la clé secrète pour votre application d'authentification",
        "Secret key": "Clé secrète",
        "Verify and sign in": "Vérifier et se connecter",
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
        "Skip to main content": "Zum Hauptinhalt springen",
        "There is a problem": "Es gibt ein Problem",
        "Change password": "Passwort ändern",
        "Please enter a new password.": "Bitte geben Sie ein neues Passwort ein.",
        "New password": "Neues Passwort",
        "Enter new password again": "Neues Passwort wiederholen",
        "Send": "Senden",
        "Passwords do not match.": "Die Passwörter stimmen nicht überein.",
        "Your session has expired. Please sign in again.": "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich "
                                                            "erneut an.",
        # The self-service pages (self_service.py) and the messages they show.
        "Sign up with your email and password": "Registrieren Sie sich mit E-Mail-Adresse und Passwort",
        "SignUp is not permitted for this user pool": "Registrierung ist für diesen Benutzerpool nicht erlaubt",
        "Your password needs:": "Ihr Passwort braucht:",
        "at least %(count)s characters": "mindestens %(count)s Zeichen",
        "a lower-case letter": "einen Kleinbuchstaben",
        "an upper-case letter": "einen Großbuchstaben",
        "a number": "eine Ziffer",
        "a symbol": "ein Sonderzeichen",
        "Already have an account?": "Schon ein Konto?",
        "Confirm your account": "Konto bestätigen",
        "We have sent a code by email to %(destination)s. Enter it below to confirm your account.":
            "Wir haben einen Code per E-Mail an %(destination)s gesendet. Geben Sie ihn unten ein, um Ihr Konto zu "
            "bestätigen.",
        "Enter the code we sent you by email to confirm your account.":
            "Geben Sie den Code aus unserer E-Mail ein, um Ihr Konto zu bestätigen.",
        "Verification code": "Bestätigungscode",
        "Confirm account": "Konto bestätigen",
        "Didn't receive a code?": "Keinen Code erhalten?",
        "Send a new code": "Neuen Code senden",
        "We will send a new confirmation code to your email address.":
            "Wir senden einen neuen Bestätigungscode an Ihre E-Mail-Adresse.",
        "I have a code": "Ich habe einen Code",
        "Enter your email address and we will send you a code to reset your password.":
            "Geben Sie Ihre E-Mail-Adresse ein; wir senden Ihnen einen Code zum Zurücksetzen des Passworts.",
        "Reset my password": "Passwort zurücksetzen",
        "Back to sign in": "Zurück zur Anmeldung",
        "Reset your password": "Passwort zurücksetzen",
        "If an account exists for this email address, we have sent it a code. Enter the code and a new password.":
            "Falls es ein Konto mit dieser E-Mail-Adresse gibt, haben wir ihm einen Code gesendet. Geben Sie den "
            "Code und ein neues Passwort ein.",
        "Your account could not be confirmed": "Ihr Konto konnte nicht bestätigt werden",
        "Your registration has been confirmed!": "Ihre Registrierung ist bestätigt!",
        "Your password was changed. Sign in with the new one.":
            "Ihr Passwort wurde geändert. Melden Sie sich mit dem neuen an.",
        "You can now sign in with your email address and password.":
            "Sie können sich jetzt mit E-Mail-Adresse und Passwort anmelden.",
        "An account with the given email already exists.": "Es gibt bereits ein Konto mit dieser E-Mail-Adresse.",
        "Username should be an email.": "Der Benutzername muss eine E-Mail-Adresse sein.",
        "Invalid verification code provided, please try again.": "Falscher Bestätigungscode, bitte erneut versuchen.",
        "Invalid code provided, please request a code again.": "Ungültiger Code, bitte fordern Sie einen neuen an.",
        "Attempt limit exceeded, please try after some time.": "Zu viele Versuche, bitte versuchen Sie es später.",
        "User cannot be confirmed. Current status is CONFIRMED": "Der Benutzer ist bereits bestätigt.",
        "User is already confirmed.": "Der Benutzer ist bereits bestätigt.",
        "User password cannot be reset in the current state.":
            "Das Passwort dieses Benutzers kann in seinem aktuellen Zustand nicht zurückgesetzt werden.",
        "Password did not conform with policy: Password not long enough":
            "Das Passwort entspricht nicht den Regeln: Es ist zu kurz",
        "Password did not conform with policy: Password must have lowercase characters":
            "Das Passwort entspricht nicht den Regeln: Es braucht einen Kleinbuchstaben",
        "Password did not conform with policy: Password must have uppercase characters":
            "Das Passwort entspricht nicht den Regeln: Es braucht einen Großbuchstaben",
        "Password did not conform with policy: Password must have numeric characters":
            "Das Passwort entspricht nicht den Regeln: Es braucht eine Ziffer",
        "Password did not conform with policy: Password must have symbol characters":
            "Das Passwort entspricht nicht den Regeln: Es braucht ein Sonderzeichen",
        # The authenticator steps (mfa_pages.py) and the lockout.
        "Password attempts exceeded": "Zu viele Passwortversuche",
        "Two-step sign-in": "Anmeldung in zwei Schritten",
        "Enter the 6-digit code from your authenticator app.":
            "Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein.",
        "Code": "Code",
        "Invalid code received for user": "Ungültiger Code",
        "Set up two-step sign-in": "Anmeldung in zwei Schritten einrichten",
        "This account needs an authenticator app. Scan the QR code with it, or enter the secret key by hand, then "
        "enter the 6-digit code it shows.":
            "Dieses Konto braucht eine Authenticator-App. Scannen Sie den QR-Code damit oder geben Sie den geheimen "
            "Schlüssel von Hand ein, dann den 6-stelligen Code, den sie anzeigt.",
        "QR code of the secret key for your authenticator app":
            "QR-Code des geheimen Schlüssels für Ihre Authenticator-App",
        "Secret key": "Geheimer Schlüssel",
        "Verify and sign in": "Bestätigen und anmelden",
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
