from services.supplychain.epcis.tables import EPCIS_TABLES
from services.supplychain.tables import TABLES
from shared.migrations import run_env

run_env(TABLES + EPCIS_TABLES)
