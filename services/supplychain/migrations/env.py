from services.supplychain.epcis.models import EPCIS_TABLES
from services.supplychain.models import TABLES
from shared.migrations import run_env

run_env(TABLES + EPCIS_TABLES)
