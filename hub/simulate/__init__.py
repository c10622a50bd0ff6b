"""``onepoint simulate``: a province day of complaints played time-compressed against the running hub and the
emulators, from a seed, and the figures of what the hub did (docs/simulate.md).

``build_scenario(seed, scale)`` draws the day; ``arrivals(scenario)`` / ``create_work_orders(seed)`` are the load
source (timed CreateWorkOrder documents) for benchmarks and the demo; ``run_day`` / ``run_both`` play it on a
private system (``SimulationStage``: the workflow and NSP on simulated time); ``print_report`` / ``print_both``
show the figures.
"""

from hub.simulate.arrivals import Arrival, arrivals, create_work_orders
from hub.simulate.clock import EmulatorClock, SimulatedTime
from hub.simulate.figures import Figures, read_figures
from hub.simulate.runner import SimulationRun, run_both, run_day
from hub.simulate.scenario import Scenario, build_scenario
from hub.simulate.stage import SimulationStage, StageError

__all__ = [
    "Arrival",
    "EmulatorClock",
    "Figures",
    "Scenario",
    "SimulatedTime",
    "SimulationRun",
    "SimulationStage",
    "StageError",
    "arrivals",
    "build_scenario",
    "create_work_orders",
    "read_figures",
    "run_both",
    "run_day",
]
