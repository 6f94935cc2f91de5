-- One database per service (DESIGN: no service reads another's tables).
-- Runs once, when the postgres container initialises an empty data volume, as POSTGRES_USER,
-- who therefore owns the three databases.
CREATE DATABASE registry;
CREATE DATABASE supplychain;
CREATE DATABASE reporting;
