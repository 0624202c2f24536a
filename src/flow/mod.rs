//! TCP and UDP flow tracking. Knows nothing of the catalog; hands out FlowRecords.
