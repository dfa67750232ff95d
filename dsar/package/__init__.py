"""The encrypted export package: one AES-256 zip with the copy, its meaning and the letter.

``build_package`` writes it (see ``builder`` for the layout); ``generate_password`` makes
the password the person receives by a second channel.
"""

from dsar.package.builder import PackageInfo, build_package, confirmed_only
from dsar.package.formats import FORMAT_VERSION, compress_type_for
from dsar.package.password import generate_password, password_entropy_bits

__all__ = [
    "FORMAT_VERSION",
    "PackageInfo",
    "build_package",
    "compress_type_for",
    "confirmed_only",
    "generate_password",
    "password_entropy_bits",
]
