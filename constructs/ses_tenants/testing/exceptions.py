"""The SES v2 errors the tenant double raises.

They subclass moto's ``ServiceException`` so moto serializes them through botocore's sesv2
model: the HTTP status comes from the modeled error shape (404 for NotFoundException, 409 for
ConflictException, 400 otherwise), exactly as the SDKs expect to parse it.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class BadRequestException(ServiceException):
    code = "BadRequestException"


class NotFoundException(ServiceException):
    code = "NotFoundException"


class AlreadyExistsException(ServiceException):
    code = "AlreadyExistsException"


class LimitExceededException(ServiceException):
    code = "LimitExceededException"


class SendingPausedException(ServiceException):
    code = "SendingPausedException"


def validation_error(detail: str) -> BadRequestException:
    """SES answers a request that breaks a modeled constraint with Smithy's wording."""
    return BadRequestException(f"1 validation error detected: {detail}")


def enum_error(member: str, value: object, allowed: tuple[str, ...]) -> BadRequestException:
    return validation_error(
        f"Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def tenant_not_found(name: str) -> NotFoundException:
    return NotFoundException(f"The requested tenant <{name}> does not exist.")
