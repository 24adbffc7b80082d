"""Finds every capability's error-code enum (a StrEnum named *Code in a domain module)."""

import importlib
import pkgutil
from enum import StrEnum
from types import ModuleType


def all_error_enums(package: ModuleType) -> list[type[StrEnum]]:
    found: dict[str, type[StrEnum]] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, StrEnum)
                and value.__name__.endswith("Code")
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__name__}"] = value
    return list(found.values())
