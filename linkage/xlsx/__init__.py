"""Writing large xlsx sheets row by row (the review sheet, the folder audit)."""
