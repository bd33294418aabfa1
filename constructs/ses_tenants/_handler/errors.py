"""Failures that end a CloudFormation request.

The Provider framework turns the message of whatever the handler raises into the stack
event's failure reason, which is often the only thing a user reads. Every message therefore
names the tenant (or association), the property or SES call involved, and what to do.
"""

from __future__ import annotations


class RequestFailed(Exception):
    """The request cannot succeed; the message is the CloudFormation failure reason."""


class InvalidProperties(RequestFailed):
    """The resource's properties break a rule; raised before any SES call."""
