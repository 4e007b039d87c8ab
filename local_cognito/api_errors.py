"""Cognito's JSON API errors as classes carrying their wire name (`__type`), like Authlib's `OAuth2Error`s.

botocore raises each as `ClientError` with `Error.Code` = the class's `code`. The Hosted UI's self-service pages
raise and catch the same classes, and show the message next to the field it concerns.
"""

from __future__ import annotations

from local_cognito.json_api import ApiError


class CognitoError(ApiError):
    code = "InternalErrorException"

    def __init__(self, message: str):
        super().__init__(type(self).code, message)


class InvalidParameter(CognitoError):
    code = "InvalidParameterException"


class NotAuthorized(CognitoError):
    code = "NotAuthorizedException"


class UserNotConfirmed(CognitoError):
    code = "UserNotConfirmedException"


class UserNotFound(CognitoError):
    code = "UserNotFoundException"


class PasswordResetRequired(CognitoError):
    code = "PasswordResetRequiredException"


class UsernameExists(CognitoError):
    code = "UsernameExistsException"


class InvalidPassword(CognitoError):
    code = "InvalidPasswordException"


class CodeMismatch(CognitoError):
    code = "CodeMismatchException"


class ExpiredCode(CognitoError):
    code = "ExpiredCodeException"


class LimitExceeded(CognitoError):
    code = "LimitExceededException"


class ResourceNotFound(CognitoError):
    code = "ResourceNotFoundException"


class UnsupportedUserState(CognitoError):
    code = "UnsupportedUserStateException"


class UnsupportedOperation(CognitoError):
    code = "UnsupportedOperationException"


class UnsupportedTokenType(CognitoError):
    code = "UnsupportedTokenTypeException"


class UserLambdaValidation(CognitoError):
    code = "UserLambdaValidationException"


class InvalidLambdaResponse(CognitoError):
    code = "InvalidLambdaResponseException"


class AliasExists(CognitoError):
    code = "AliasExistsException"


class GroupExists(CognitoError):
    code = "GroupExistsException"


class SoftwareTokenMfaNotFound(CognitoError):
    code = "SoftwareTokenMFANotFoundException"


class EnableSoftwareTokenMfa(CognitoError):
    code = "EnableSoftwareTokenMFAException"


def validation_error(member: str, value: object, constraint: str) -> InvalidParameter:
    """AWS's wording for a request member that breaks the API model's constraints."""
    return InvalidParameter(f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
                            f"constraint: {constraint}")
