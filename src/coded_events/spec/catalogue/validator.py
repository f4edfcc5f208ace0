"""The validator layer's checks: the validator itself."""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, declare

CHECKS = declare(
    "validator",
    (
        "internal-error",
        "error",
        BOTH,
        ("layer", "reason"),
        "Validator failed",
        "the validator failed while running the {layer} checks: {reason}",
        "This is a bug in coded-events: please report it with the file that caused it.",
        "A check raised an unexpected exception. The other layers still ran; the file is "
        "reported as failing so that nothing passes unchecked.",
    ),
)
