"""hansyn: the domain code of the data platform of Social hänsyn i upphandling. Imports nothing
from Dagster; the Dagster code location in `orchestration/` wires it."""
