//! The records an audit reads, as passes in first-frame order: a capture's flows and DNS
//! messages may be held in memory (a slice) or, for a large capture, partly on disk (the
//! facts stage's spool). The audit reads them a few times and never holds them all itself.

use std::ops::ControlFlow;

use crate::facts::spool::{Sorted, Spooled};

/// Records read in order, as often as needed.
pub trait Records<T> {
    /// Reading them back can fail (a spool's file); a slice never does.
    type Error;
    /// How many records there are.
    fn count(&self) -> usize;
    /// Calls `f` with every record and its position in order, until it breaks.
    fn each(&self, f: &mut dyn FnMut(usize, &T) -> ControlFlow<()>) -> Result<(), Self::Error>;
}

impl<T> Records<T> for [T] {
    type Error = std::convert::Infallible;

    fn count(&self) -> usize {
        self.len()
    }

    fn each(&self, f: &mut dyn FnMut(usize, &T) -> ControlFlow<()>) -> Result<(), Self::Error> {
        for (i, r) in self.iter().enumerate() {
            if f(i, r).is_break() {
                break;
            }
        }
        Ok(())
    }
}

impl<T, R: Records<T> + ?Sized> Records<T> for &R {
    type Error = R::Error;

    fn count(&self) -> usize {
        (**self).count()
    }

    fn each(&self, f: &mut dyn FnMut(usize, &T) -> ControlFlow<()>) -> Result<(), Self::Error> {
        (**self).each(f)
    }
}

impl<T: Spooled> Records<T> for Sorted<T> {
    type Error = std::io::Error;

    fn count(&self) -> usize {
        self.len()
    }

    fn each(&self, f: &mut dyn FnMut(usize, &T) -> ControlFlow<()>) -> Result<(), Self::Error> {
        self.try_for_each(f)
    }
}
