"""The workbook itself: the curriculum map, the notebook harness (find, execute, clean, render) and
the machine check (doctor).

Used by: 00_start_here, make workbook/notebooks, the doctor CLI.

Modules:
- ``curriculum``: The workbook's table of contents: levels, lessons, the exercise each one
  carries.
- ``doctor``: ``mll.doctor()``: is this machine ready for the workbook, and what will change its
  numbers?
- ``harness``: Find, execute, clean and render the workbook's notebooks (the harness behind
  make/tests).
"""
