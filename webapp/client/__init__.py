"""The command-line client for the weather API (`weather-client`): a machine token (client credentials) or a user's
(USER_PASSWORD_AUTH), against a real user pool or the local Cognito alike. See `__main__` for the commands."""
