"""A command-line client for the weather API: `python -m webapp.client` or the `weather-client` script.

Two ways to get a token, both against a real user pool or the local Cognito alike: `--machine` (the client
credentials grant, as a backend service calls another) and `--user EMAIL` (USER_PASSWORD_AUTH through Cognito's
JSON API). See `webapp.client.__main__` for the commands and exit codes.
"""
