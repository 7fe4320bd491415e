"""The schedule families, one module each, in the order ``lrviz list`` shows them.

Each module defines ``FAMILY``, an object implementing :class:`lrviz.family.Family`, whose
entries carry the family's hooks. Adding a family is adding its module and its name here.
"""

FAMILIES = ("torch", "d2l", "transformers", "timm", "user")
