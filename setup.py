"""Only the package map lives here (setup.cfg has the metadata): the bundled plugins folder
`plugins/` installs as `inbox_plugins`, since a top-level `plugins` package would collide."""

from setuptools import find_packages, setup

bundled = ["inbox_plugins"] + ["inbox_plugins." + name for name in find_packages("plugins")]
setup(
    packages=find_packages(include=["inbox", "inbox.*"]) + bundled,
    package_dir={"inbox_plugins": "plugins"},
)
