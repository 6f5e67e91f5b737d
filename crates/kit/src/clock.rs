//! The time the app goes by. In production it is the system's; a test sets it to any instant and
//! moves it on, so rules about days (a loan due tomorrow, a deadline passed) are tested without
//! sleeping. Every clone shares one setting, so the server and the test see the same time.

use std::sync::{Arc, RwLock};

use time::{Date, OffsetDateTime};

#[derive(Clone, Default)]
pub struct Clock {
    fixed: Arc<RwLock<Option<OffsetDateTime>>>,
}

impl Clock {
    /// Now: the set instant, or the system's.
    pub fn now(&self) -> OffsetDateTime {
        self.fixed
            .read()
            .ok()
            .and_then(|f| *f)
            .unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Today's date in Poland.
    pub fn today(&self) -> Date {
        pestor_core::calendar::in_warsaw(self.now()).date()
    }

    /// Stops the clock at `at` (tests).
    pub fn set(&self, at: OffsetDateTime) {
        if let Ok(mut f) = self.fixed.write() {
            *f = Some(at);
        }
    }
}
