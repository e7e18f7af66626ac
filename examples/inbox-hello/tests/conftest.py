import os
import sys

# lets the tests run from a checkout before `pip install -e .`
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytest_plugins = ["inbox.testing.fixtures"]
