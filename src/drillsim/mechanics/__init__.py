"""The model's mechanics, one package per page of docs/mechanics.

Each package holds its formulas and constants (``model.py`` where there are any), its compiled passes and
its step function (``step.py``). A mechanic reads and writes the batch state through the step context
(:mod:`drillsim.state`); the engine calls the steps in order. Mechanics depend on ``core``, ``geo``,
``scenario``, ``world``, ``events`` and ``state``, never on ``engine`` or anything after it.
"""
