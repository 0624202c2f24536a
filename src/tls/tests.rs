//! Stream-level tests: byte fixtures for every record-layer case, and checks against other
//! tools' answers (FoxIO ja4 snapshots, Arkime JA3/JA4) over the shared capture corpus.

mod fixtures;
