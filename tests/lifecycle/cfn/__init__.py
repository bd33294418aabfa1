"""A small CloudFormation simulator: drives synthesized templates the way CloudFormation does.

It creates, updates and deletes stacks in memory and hands each resource to a *provisioner*
chosen by resource type (SES resources call moto, custom resources call a Lambda handler,
IAM roles and the like are only recorded). What it models, because lifecycle bugs hide there:

- Order. Resources are created in waves whose dependencies (``Ref``, ``Fn::GetAtt``,
  ``Fn::Sub`` references and ``DependsOn``) are all done, and deleted in waves of resources
  nothing left depends on; within a wave, in template order (CloudFormation runs a wave in
  parallel, so a dependency missing from the template shows as a wrong order here).
  Stacks are deployed after the stacks whose exports they import, destroyed before them.
- Values. Intrinsics are resolved against the physical ids and attributes of resources
  created earlier, pseudo parameters, parameters (SSM-backed ones from a given map),
  conditions and other stacks' exports. Custom-resource properties are stringified.
- Updates. Resolved properties are compared with the deployed ones; a changed resource is
  updated, and if the update yields a new physical id it was *replaced*: the old physical
  resource is deleted in the cleanup phase, after every create and update of the stack, in
  reverse dependency order, together with resources removed from the template.
- Policies. ``DeletionPolicy: Retain`` keeps a resource on removal and on stack deletion,
  ``UpdateReplacePolicy: Retain`` the old resource on replacement (see ``retained``).
- Guards CloudFormation enforces: a custom resource's ServiceToken must name a deployed Lambda
  function and may not change; a resource may not change type; an export that another stack
  imports may neither change nor go away; ``Rules`` assertions are checked.

- Status and rollbacks. Stacks and resources go through CloudFormation's statuses, current
  while a provisioner runs; a failed create, update or delete is rolled back as
  CloudFormation does it (see ``engine``), and tests can make any step fail.
- Reads. ``CloudFormation.read_client()`` answers DescribeStacks and ListStackResources as
  boto3 does, for a handler that reads its own stack.

It fails loudly (``SimulationError``) on anything it does not model, such as an unknown
resource type or intrinsic. What CloudFormation itself would fail with (a provisioner or
handler error, a missing export, a custom resource without a requested attribute) raises
``StackOperationFailed``, after the rollback.

Modules, by concern:

- ``account``: the simulated account, region and partition.
- ``errors``: what the template or the simulator cannot do.
- ``template``: templates and their dependency graphs (creation and deletion order).
- ``intrinsics``: resolving intrinsic functions and conditions; stringified properties.
- ``state``: what a deployed stack and its resources are, and the journal of steps.
- ``provisioners``: the interface between the engine and a resource type, and the
  record-only provisioners of the types CDK adds around custom resources.
- ``provider_framework``: custom resources served by CDK's Provider framework.
- ``status``: stack and resource statuses, events and descriptions.
- ``engine``: ``CloudFormation`` itself, deploying and deleting stacks and rolling them back.
- ``read_api``: the boto3-shaped read client over the engine's stacks.
"""
