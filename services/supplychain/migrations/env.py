from shared.migrations import run_env
from services.supplychain.models import TABLES
from services.supplychain.epcis.models import EPCIS_TABLES

run_env(TABLES + EPCIS_TABLES)
