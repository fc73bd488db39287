"""What the runs app announces to the apps above it, which it never imports."""

from django.dispatch import Signal

# A run finished and its results are stored (sent after the commit); sender: AnalysisRun, run: it.
run_finished = Signal()
