"""Pure ledger maths: frames of records and plots into recurrence detections,
new-infestation patches, recurrence cases (the 台账) and progress figures."""
