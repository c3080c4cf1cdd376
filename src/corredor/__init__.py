"""corredor: how fragile are Mexico's freight corridors?"""

from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError, DataFileError, NetworkValidationError, NoPathError
from corredor.network import Network
from corredor.networks.national import load_national
from corredor.routing import od_cost_matrix, shortest_paths

__all__ = [
    "CorredorError",
    "DataFileError",
    "Network",
    "NetworkValidationError",
    "NoPathError",
    "bundled_demand",
    "load_national",
    "od_cost_matrix",
    "read_demand",
    "shortest_paths",
]
