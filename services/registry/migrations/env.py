from services.registry.accounts import ACCOUNT_TABLES
from services.registry.plans import PLAN_TABLES
from services.registry.quality.tables import TABLES as QUALITY_TABLES
from services.registry.tables import TABLES
from shared.migrations import run_env

run_env(TABLES + QUALITY_TABLES + ACCOUNT_TABLES + PLAN_TABLES)
