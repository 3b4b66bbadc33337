"""Writing xlsx workbooks (the review sheet, the folder audit) with XlsxWriter."""
