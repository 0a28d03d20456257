"""budgetlens worker: documents in, reviewed structured data out (map in a later commit)."""
