//! How the facts' records are written to a [`Spool`](super::spool::Spool)'s file and read back.
