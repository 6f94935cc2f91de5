from shared.migrations import run_env
from services.supplychain.models import TABLES

run_env(TABLES)
