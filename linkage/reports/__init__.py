"""What leaves the team's hands: the CSV outputs, the research tables, their codebook
and report, a research release, and the folder audit (revision.xlsx)."""
