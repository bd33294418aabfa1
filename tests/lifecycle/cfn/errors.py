"""Failures that are not CloudFormation's: the simulator's limits and unresolvable values."""


class SimulationError(Exception):
    """The template uses something the simulator does not model: extend the simulator."""


class TemplateError(Exception):
    """A value CloudFormation could not resolve (missing export or attribute, bad index)."""
