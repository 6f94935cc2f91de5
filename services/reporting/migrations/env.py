from services.reporting.tables import TABLES
from shared.migrations import run_env

run_env(TABLES)
