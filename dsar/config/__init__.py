"""Configuration: the controllers, their registers and systems (see ``models``)."""

from dsar.config.loader import Configuration, load_configuration, load_controller_file
from dsar.config.models import (
    Collection,
    Controller,
    ControllerConfig,
    IdentityField,
    LocalText,
    Reference,
    Register,
    Settings,
    System,
)

__all__ = [
    "Collection",
    "Configuration",
    "Controller",
    "ControllerConfig",
    "IdentityField",
    "LocalText",
    "Reference",
    "Register",
    "Settings",
    "System",
    "load_configuration",
    "load_controller_file",
]
