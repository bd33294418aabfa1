"""What the pause-alerts construct and its function share: environment variable names, the
SES events the rules match, and every AWS operation the function calls.

Like contract.py and operations.py it stays free of botocore and of the other handler
modules, so the construct library can import it.
"""

from __future__ import annotations

from types import MappingProxyType

#: Environment of the alert function.
ENV_STATE_TABLE = "PAUSE_ALERTS_STATE_TABLE"
ENV_TOPIC_ARN = "PAUSE_ALERTS_TOPIC_ARN"
#: The tenant tag whose value picks a route (unset: no routing).
ENV_ROUTE_TAG = "PAUSE_ALERTS_ROUTE_TAG"
#: JSON object: tag value -> topic ARN.
ENV_ROUTES = "PAUSE_ALERTS_ROUTES"

EVENT_SOURCE = "aws.ses"
SENDING_STATUS_DISABLED = "Sending Status Disabled"
SENDING_STATUS_ENABLED = "Sending Status Enabled"
RECOMMENDATION_OPEN = "Advisor Recommendation Status Open"
#: EventBridge's event reference and schema registry name the event "... Resolved"; the SES
#: tenants guide names it "... Closed". The rule matches both.
RECOMMENDATION_RESOLVED = "Advisor Recommendation Status Resolved"
RECOMMENDATION_CLOSED = "Advisor Recommendation Status Closed"
STATUS_DETAIL_TYPES = (SENDING_STATUS_DISABLED, SENDING_STATUS_ENABLED)
FINDING_DETAIL_TYPES = (RECOMMENDATION_OPEN, RECOMMENDATION_RESOLVED, RECOMMENDATION_CLOSED)

#: SES v2 operation -> what IAM authorizes it on: "tenant" (the tenants of the account and
#: region) or "*" (list operations, which have no resource type).
SES_OPERATIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "ListReputationEntities": "*",
        "ListRecommendations": "*",
        "GetReputationEntity": "tenant",
        "ListTagsForResource": "tenant",
    }
)

#: DynamoDB operations on the state table (and only on it).
STATE_TABLE_OPERATIONS = ("GetItem", "PutItem", "DeleteItem", "Scan")
