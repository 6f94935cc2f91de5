"""Registry quality: members' plots, certificates, yearly gradings, inspections and the compliance
flags the province follows up. Its tables live in the registry's database and migrations."""
