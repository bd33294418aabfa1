"""Provisioners of the native SES resource types, calling SES v2 (moto plus the tenant double).

Each does what CloudFormation does for its type: create with the resource's properties (a
generated name when it has none), replace when a property that requires replacement changes
(the name), otherwise update in place with the call for that property, and delete. SES's
refusals (an existing name, a configuration set or pool that does not exist) come from the
double, so a wrong creation order shows. Properties they do not model fail loudly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar

from tests.lifecycle.cfn.account import ACCOUNT_ID, PARTITION, REGION
from tests.lifecycle.cfn.errors import SimulationError
from tests.lifecycle.cfn.provisioners import Provisioned, Provisioner, ResourceRequest
from tests.lifecycle.cfn.state import DeployedResource, StackInfo

EMAIL_IDENTITY_TYPE = "AWS::SES::EmailIdentity"
CONFIGURATION_SET_TYPE = "AWS::SES::ConfigurationSet"
DEDICATED_IP_POOL_TYPE = "AWS::SES::DedicatedIpPool"
TEMPLATE_TYPE = "AWS::SES::Template"

#: SES names of configuration sets, pools and templates: up to 64 characters.
MAX_NAME_LENGTH = 64


def ses_arn(kind: str, name: str) -> str:
    return f"arn:{PARTITION}:ses:{REGION}:{ACCOUNT_ID}:{kind}/{name}"


def ses_provisioners(sesv2: Any) -> dict[str, Provisioner]:
    return {
        EMAIL_IDENTITY_TYPE: EmailIdentityProvisioner(sesv2),
        CONFIGURATION_SET_TYPE: ConfigurationSetProvisioner(sesv2),
        DEDICATED_IP_POOL_TYPE: DedicatedIpPoolProvisioner(sesv2),
        TEMPLATE_TYPE: TemplateProvisioner(sesv2),
    }


def _changed(request: ResourceRequest, current: DeployedResource, key: str) -> bool:
    return request.properties.get(key) != current.properties.get(key)


def _require_modelled(request: ResourceRequest, modelled: frozenset[str]) -> None:
    unknown = sorted(set(request.properties) - modelled)
    if unknown:
        raise SimulationError(
            f"{request.resource_type} properties {unknown} of {request.logical_id} are not "
            "modelled by the simulator"
        )


def _tags(tags: Any) -> list[dict[str, str]]:
    return [{"Key": str(tag["Key"]), "Value": str(tag.get("Value", ""))} for tag in tags or []]


def _retag_if_changed(
    sesv2: Any, request: ResourceRequest, current: DeployedResource, resource_type: str
) -> None:
    """Tags update in place, as TagResource and UntagResource on the resource's ARN."""
    if not _changed(request, current, "Tags"):
        return
    arn = ses_arn(resource_type, current.physical_id)
    old_tags = {t["Key"]: t["Value"] for t in _tags(current.properties.get("Tags"))}
    new_tags = {t["Key"]: t["Value"] for t in _tags(request.properties.get("Tags"))}
    removed = sorted(set(old_tags) - set(new_tags))
    if removed:
        sesv2.untag_resource(ResourceArn=arn, TagKeys=removed)
    changed = [{"Key": k, "Value": v} for k, v in new_tags.items() if old_tags.get(k) != v]
    if changed:
        sesv2.tag_resource(ResourceArn=arn, Tags=changed)


class EmailIdentityProvisioner:
    """AWS::SES::EmailIdentity. Ref: the identity. EmailIdentity requires replacement."""

    MODELLED = frozenset({"EmailIdentity", "ConfigurationSetAttributes", "Tags"})

    def __init__(self, sesv2: Any) -> None:
        self._ses = sesv2

    def create(self, request: ResourceRequest) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        name = str(request.properties["EmailIdentity"])
        arguments: dict[str, Any] = {"EmailIdentity": name}
        configuration_set = self._configuration_set(request.properties)
        if configuration_set:
            arguments["ConfigurationSetName"] = configuration_set
        if request.properties.get("Tags"):
            arguments["Tags"] = _tags(request.properties["Tags"])
        self._ses.create_email_identity(**arguments)
        return Provisioned(name, _dkim_attributes(name))

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        if _changed(request, current, "EmailIdentity"):
            return self.create(request)
        if _changed(request, current, "ConfigurationSetAttributes"):
            arguments: dict[str, Any] = {"EmailIdentity": current.physical_id}
            configuration_set = self._configuration_set(request.properties)
            if configuration_set:
                arguments["ConfigurationSetName"] = configuration_set
            self._ses.put_email_identity_configuration_set_attributes(**arguments)
        _retag_if_changed(self._ses, request, current, "identity")
        return Provisioned(current.physical_id, current.attributes)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        self._ses.delete_email_identity(EmailIdentity=resource.physical_id)

    def _configuration_set(self, properties: Mapping[str, Any]) -> str | None:
        name = (properties.get("ConfigurationSetAttributes") or {}).get("ConfigurationSetName")
        return str(name) if name else None


def _dkim_attributes(identity: str) -> dict[str, str]:
    """The Easy DKIM records CloudFormation returns as attributes (moto makes no tokens)."""
    attributes = {}
    for index in (1, 2, 3):
        token = hashlib.sha256(f"{identity}/{index}".encode()).hexdigest()[:32]
        attributes[f"DkimDNSTokenName{index}"] = f"{token}._domainkey.{identity}"
        attributes[f"DkimDNSTokenValue{index}"] = f"{token}.dkim.amazonses.com"
    return attributes


class ConfigurationSetProvisioner:
    """AWS::SES::ConfigurationSet. Ref: the name. Name requires replacement; each options
    block updates in place with its Put call."""

    OPTIONS: ClassVar[dict[str, str]] = {
        "DeliveryOptions": "put_configuration_set_delivery_options",
        "ReputationOptions": "put_configuration_set_reputation_options",
        "SendingOptions": "put_configuration_set_sending_options",
        "SuppressionOptions": "put_configuration_set_suppression_options",
        "TrackingOptions": "put_configuration_set_tracking_options",
        "VdmOptions": "put_configuration_set_vdm_options",
    }
    MODELLED = frozenset({"Name", "Tags", *OPTIONS})

    def __init__(self, sesv2: Any) -> None:
        self._ses = sesv2

    def create(self, request: ResourceRequest) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        name = str(request.properties.get("Name") or request.generated_name(MAX_NAME_LENGTH))
        arguments: dict[str, Any] = {"ConfigurationSetName": name}
        for option in self.OPTIONS:
            if option in request.properties:
                arguments[option] = request.properties[option]
        if request.properties.get("Tags"):
            arguments["Tags"] = _tags(request.properties["Tags"])
        self._ses.create_configuration_set(**arguments)
        return Provisioned(name)

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        if _changed(request, current, "Name"):
            return self.create(request)
        for option, call in self.OPTIONS.items():
            if _changed(request, current, option):
                getattr(self._ses, call)(
                    ConfigurationSetName=current.physical_id,
                    **(request.properties.get(option) or {}),
                )
        _retag_if_changed(self._ses, request, current, "configuration-set")
        return Provisioned(current.physical_id)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        self._ses.delete_configuration_set(ConfigurationSetName=resource.physical_id)


class DedicatedIpPoolProvisioner:
    """AWS::SES::DedicatedIpPool. Ref: the pool name. PoolName requires replacement;
    ScalingMode updates in place."""

    MODELLED = frozenset({"PoolName", "ScalingMode", "Tags"})

    def __init__(self, sesv2: Any) -> None:
        self._ses = sesv2

    def create(self, request: ResourceRequest) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        name = str(request.properties.get("PoolName") or request.generated_name(MAX_NAME_LENGTH))
        arguments: dict[str, Any] = {"PoolName": name}
        if "ScalingMode" in request.properties:
            arguments["ScalingMode"] = request.properties["ScalingMode"]
        if request.properties.get("Tags"):
            arguments["Tags"] = _tags(request.properties["Tags"])
        self._ses.create_dedicated_ip_pool(**arguments)
        return Provisioned(name)

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        if _changed(request, current, "PoolName"):
            return self.create(request)
        if _changed(request, current, "ScalingMode"):
            self._ses.put_dedicated_ip_pool_scaling_attributes(
                PoolName=current.physical_id, ScalingMode=request.properties["ScalingMode"]
            )
        _retag_if_changed(self._ses, request, current, "dedicated-ip-pool")
        return Provisioned(current.physical_id)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        self._ses.delete_dedicated_ip_pool(PoolName=resource.physical_id)


class TemplateProvisioner:
    """AWS::SES::Template. Ref: the template name. Template.TemplateName requires
    replacement; the content updates in place."""

    MODELLED = frozenset({"Template"})
    CONTENT: ClassVar[dict[str, str]] = {
        "SubjectPart": "Subject",
        "TextPart": "Text",
        "HtmlPart": "Html",
    }

    def __init__(self, sesv2: Any) -> None:
        self._ses = sesv2

    def create(self, request: ResourceRequest) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        template = dict(request.properties.get("Template") or {})
        name = str(template.get("TemplateName") or request.generated_name(MAX_NAME_LENGTH))
        self._ses.create_email_template(TemplateName=name, TemplateContent=self._content(template))
        return Provisioned(name, {"Id": name})

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        _require_modelled(request, self.MODELLED)
        new = dict(request.properties.get("Template") or {})
        old = dict(current.properties.get("Template") or {})
        if new.get("TemplateName") != old.get("TemplateName"):
            return self.create(request)
        self._ses.update_email_template(
            TemplateName=current.physical_id, TemplateContent=self._content(new)
        )
        return Provisioned(current.physical_id, current.attributes)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        self._ses.delete_email_template(TemplateName=resource.physical_id)

    def _content(self, template: Mapping[str, Any]) -> dict[str, str]:
        unknown = sorted(set(template) - {"TemplateName", *self.CONTENT})
        if unknown:
            raise SimulationError(f"AWS::SES::Template properties {unknown} are not modelled")
        return {api: str(template[cfn]) for cfn, api in self.CONTENT.items() if cfn in template}
