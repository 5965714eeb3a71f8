"""Pure rules of the seeds: eligibility, working days, deadlines, identifiers, periods."""
