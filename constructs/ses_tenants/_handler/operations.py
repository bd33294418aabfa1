"""Every AWS operation the handler calls, and the resources IAM authorizes each one on.

Declared once, here: the handler's clients check their service models against these lists
(ses_client.REQUIRED_OPERATIONS, cloudformation_reader.REQUIRED_OPERATIONS), and the
provider grants the handler's role exactly these actions on exactly these resources. An
operation added to the handler is granted by adding it here, and nowhere else.

Like contract.py it must stay free of imports from its siblings, and of botocore, which the
library does not depend on.
"""

from __future__ import annotations

from enum import Enum
from types import MappingProxyType


class SesResource(Enum):
    """A kind of SES resource an operation is authorized on."""

    #: ``arn:{partition}:ses:{region}:{account}:tenant/{name}/{id}``: the tenant itself,
    #: whether the request names it by TenantName, ResourceArn or ReputationEntityReference.
    TENANT = "tenant"
    #: The identity, configuration set or template of an association
    #: (``…:{segment}/{name}``, segments in contract.ASSOCIABLE_RESOURCE_SEGMENTS).
    ASSOCIATED_RESOURCE = "associated resource"
    #: ``arn:{partition}:ses:{region}:aws:reputation-policy/{name}``, AWS-owned.
    REPUTATION_POLICY = "reputation policy"


_TENANT = (SesResource.TENANT,)

#: SES v2 operation -> every resource IAM authorizes it on. Association calls are authorized
#: on the tenant and on the associated resource; UpdateReputationEntityPolicy on the tenant
#: and on the reputation policy it applies.
SES_OPERATIONS: MappingProxyType[str, tuple[SesResource, ...]] = MappingProxyType(
    {
        "CreateTenant": _TENANT,
        "GetTenant": _TENANT,
        "DeleteTenant": _TENANT,
        "TagResource": _TENANT,
        "UntagResource": _TENANT,
        "PutTenantSuppressionAttributes": _TENANT,
        "GetReputationEntity": _TENANT,
        "UpdateReputationEntityPolicy": (SesResource.TENANT, SesResource.REPUTATION_POLICY),
        "UpdateReputationEntityCustomerManagedStatus": _TENANT,
        "CreateTenantResourceAssociation": (SesResource.TENANT, SesResource.ASSOCIATED_RESOURCE),
        "DeleteTenantResourceAssociation": (SesResource.TENANT, SesResource.ASSOCIATED_RESOURCE),
    }
)

#: The CloudFormation operations the handler calls, all read-only, on the event's stack or
#: on the stack named in a tenant's ownership mark.
CLOUDFORMATION_OPERATIONS = ("DescribeStacks", "ListStackResources")


def ses_operations_on(resource: SesResource) -> tuple[str, ...]:
    """The SES operations authorized on `resource`, in the table's order."""
    return tuple(name for name, resources in SES_OPERATIONS.items() if resource in resources)
