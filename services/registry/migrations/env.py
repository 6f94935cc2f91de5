from services.registry.models import TABLES
from services.registry.quality_models import QUALITY_TABLES
from shared.migrations import run_env

run_env(TABLES + QUALITY_TABLES)
