#!/usr/bin/env python3
"""An app of your own with the library: one tenant, its sending resources and a workload role.

Outside the platform app: no customers file, no shared provider. Synthesize it from this
folder with the repository's virtualenv (`../../.venv/bin/python app.py`, or `npx cdk
synth` with cdk.json here); the repository's tests synthesize it too.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

from ses_tenants import (
    ReputationPolicy,
    SendingStatus,
    Suppression,
    SuppressionReason,
    Tenant,
)


class AcmeEmailStack(cdk.Stack):
    """Acme's tenant, the domain identity and configuration set it sends with, and a role
    that may send as Acme and only as Acme."""

    def __init__(self, scope: Construct, id: str, *, env: cdk.Environment | None = None) -> None:
        super().__init__(scope, id, env=env)
        identity = ses.EmailIdentity(
            self, "Identity", identity=ses.Identity.domain("mail.acme.example.com")
        )
        configuration_set = ses.ConfigurationSet(self, "ConfigurationSet")
        self.tenant = Tenant(
            self,
            "Tenant",
            tenant_name="acme",
            reputation_policy=ReputationPolicy.STRICT,
            sending_status=SendingStatus.ENABLED,
            suppression=Suppression.tenant(SuppressionReason.BOUNCE, SuppressionReason.COMPLAINT),
            tags={"customer-id": "42"},
        )
        self.tenant.associate(identity)
        self.tenant.associate(configuration_set)

        sender = iam.Role(self, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.tenant.grant_send(sender)

        # Outputs are the app's to choose: what the sending workload reads.
        cdk.CfnOutput(self, "TenantName", value=self.tenant.tenant_name)
        cdk.CfnOutput(self, "IdentityName", value=identity.email_identity_name)
        cdk.CfnOutput(self, "ConfigurationSetName", value=configuration_set.configuration_set_name)
        cdk.CfnOutput(self, "SenderRoleArn", value=sender.role_arn)


def build(app: cdk.App) -> AcmeEmailStack:
    return AcmeEmailStack(app, "AcmeEmail")


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    app.synth()
