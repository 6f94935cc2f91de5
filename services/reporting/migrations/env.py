from shared.migrations import run_env
from services.reporting.models import TABLES

run_env(TABLES)
