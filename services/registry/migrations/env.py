from shared.migrations import run_env
from services.registry.models import TABLES

run_env(TABLES)
